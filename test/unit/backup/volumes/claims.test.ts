import { describe, expect, it } from 'vitest';
import { chooseSnapshotClass, classifyClaim, type SnapshotCandidate } from '../../../../lib/backup/volumes/claims.js';
import { claim, snapshotClass, volume } from './snapshot-world.js';

const DISK = 'diskplugin.csi.alibabacloud.com';

describe('classifyClaim', () => {
  it.each([
    ['a claim bound to a CSI volume is a candidate with its driver', claim('app', 'data', 'pv-1'), volume('pv-1', { driver: DISK }),
      { candidate: { namespace: 'app', claim: 'data', volume: 'pv-1', driver: DISK } }],
    ['a pending claim is skipped as not bound', claim('app', 'data'), undefined, { skip: expect.stringMatching(/not bound to a volume \(phase Pending\)/) }],
    ['a claim whose volume is gone is skipped naming the volume', claim('app', 'data', 'pv-1'), undefined, { skip: 'its PersistentVolume pv-1 does not exist' }],
    ['a claim on a hostPath volume is skipped naming the source', claim('app', 'data', 'pv-1'), volume('pv-1', { hostPath: { path: '/data' } }),
      { skip: expect.stringMatching(/pv-1 is not a CSI volume \(hostPath\)/) }],
    ['a claim on an in-tree cloud disk is skipped naming the source', claim('app', 'data', 'pv-1'), volume('pv-1', { awsElasticBlockStore: { volumeID: 'v' } }),
      { skip: expect.stringMatching(/not a CSI volume \(awsElasticBlockStore\)/) }],
    ['a claim naming a snapshot class with Velero\'s annotation carries it', claim('app', 'data', 'pv-1', { 'velero.io/csi-volumesnapshot-class': 'fast' }),
      volume('pv-1', { driver: DISK }), { candidate: expect.objectContaining({ requestedClass: 'fast' }) }],
  ])('%s', (_name, pvc, pv, expected) => {
    expect(classifyClaim(pvc, pv)).toEqual(expected);
  });
});

describe('chooseSnapshotClass', () => {
  const candidate: SnapshotCandidate = { namespace: 'app', claim: 'data', volume: 'pv-1', driver: DISK };
  const plain = snapshotClass('plain', DISK);
  const dflt = snapshotClass('default', DISK, true);
  const other = snapshotClass('nas', 'nasplugin.csi.alibabacloud.com', true);
  it.each([
    ['the driver\'s default class wins over its other classes', candidate, [plain, dflt, other], {}, { snapshotClass: dflt }],
    ['the driver\'s only class is used even when it is not the default', candidate, [plain, other], {}, { snapshotClass: plain }],
    ['the class the spec names for the driver wins over the default', candidate, [plain, dflt], { [DISK]: 'plain' }, { snapshotClass: plain }],
    ['the class the claim names wins over the spec\'s', { ...candidate, requestedClass: 'default' }, [plain, dflt], { [DISK]: 'plain' }, { snapshotClass: dflt }],
    ['a named class that does not exist is a problem', candidate, [dflt], { [DISK]: 'gone' }, { problem: expect.stringMatching(/gone .* does not exist/) }],
    ['a named class of another driver is a problem', candidate, [other], { [DISK]: 'nas' }, { problem: expect.stringMatching(/nas is for driver nasplugin/) }],
    ['a driver without classes is a problem', candidate, [other], {}, { problem: `no VolumeSnapshotClass for driver ${DISK}` }],
    ['two classes and no default is a problem naming both', candidate, [plain, snapshotClass('second', DISK)], {}, { problem: expect.stringMatching(/2 VolumeSnapshotClasses and none is the default \(plain, second\)/) }],
    ['two defaults is a problem', candidate, [dflt, snapshotClass('d2', DISK, true)], {}, { problem: expect.stringMatching(/2 default VolumeSnapshotClasses/) }],
  ])('%s', (_name, c, classes, byDriver, expected) => {
    expect(chooseSnapshotClass(c, classes, byDriver)).toEqual(expected);
  });
});
