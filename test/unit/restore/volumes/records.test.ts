import { describe, expect, it } from 'vitest';
import { readVolumeRecords, restoreVolumesOf, targetDriver, type VolumeRecord } from '../../../../lib/restore/volumes/records.js';
import { specWith } from '../fixtures.js';

const DISK = 'diskplugin.csi.alibabacloud.com';
const snap = (name: string, annotations: Record<string, string>, status: Record<string, unknown> = {}, claim: string | null = 'www-web-0') => ({
  apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name, namespace: 'app', annotations },
  spec: { volumeSnapshotClassName: 'disk', source: claim ? { persistentVolumeClaimName: claim } : {} }, status,
});
const content = (name: string, handle: string, driver: string) => ({
  apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotContent', metadata: { name },
  spec: { driver, deletionPolicy: 'Retain' }, status: { snapshotHandle: handle, restoreSize: 1024 },
});

describe('readVolumeRecords', () => {
  it.each([
    ['a Ferry record takes handle, driver, size and volume from the annotations',
      [snap('s1', { 'velero.io/csi-volumesnapshot-handle': 'h-1', 'velero.io/csi-driver-name': DISK, 'velero.io/csi-volumesnapshot-restore-size': '2048', 'ferry.dev/source-persistent-volume': 'pv-0' })], [],
      [{ namespace: 'app', claim: 'www-web-0', snapshotName: 's1', handle: 'h-1', driver: DISK, restoreSize: 2048, volume: 'pv-0' }]],
    ['a record without annotations (Velero\'s older files) takes them from its bound content',
      [snap('s1', {}, { boundVolumeSnapshotContentName: 'c1' })], [content('c1', 'h-9', DISK)],
      [{ namespace: 'app', claim: 'www-web-0', snapshotName: 's1', handle: 'h-9', driver: DISK, restoreSize: 1024 }]],
  ])('%s', (_name, snapshots, contents, expected) => {
    expect(readVolumeRecords(snapshots, contents)).toEqual({ records: expected, problems: [] });
  });

  it.each([
    ['a snapshot with neither handle annotation nor content is reported', snap('s1', { 'velero.io/csi-driver-name': DISK }), /app\/s1 in the backup has no snapshot handle/],
    ['a snapshot of no claim is reported', snap('s2', { 'velero.io/csi-volumesnapshot-handle': 'h', 'velero.io/csi-driver-name': DISK }, {}, null), /app\/s2 in the backup has no claim/],
  ])('%s', (_name, entry, message) => {
    const { records, problems } = readVolumeRecords([entry], []);
    expect(records).toEqual([]);
    expect(problems).toEqual([expect.stringMatching(message)]);
  });

  it('reports a file that is not a list', () => {
    expect(readVolumeRecords({ items: [] }, [])).toEqual({ records: [], problems: ['the csi-volumesnapshots file is not a list'] });
  });
});

describe('targetDriver', () => {
  const record: VolumeRecord = { namespace: 'app', claim: 'data', snapshotName: 's1', handle: 'h', driver: DISK };
  it.each([
    ['the recorded driver is used when the target has it', {}, [DISK], { driver: DISK }],
    ['the recorded driver is used unchecked when the target\'s drivers are unknown', {}, undefined, { driver: DISK }],
    ['the mapped driver is used when the target has it', { [DISK]: 'ebs.csi.aws.com' }, ['ebs.csi.aws.com'], { driver: 'ebs.csi.aws.com' }],
    ['a target without the driver is a problem naming its drivers and the mapping', {}, ['ebs.csi.aws.com'],
      { problem: expect.stringMatching(/no CSI driver diskplugin.csi.alibabacloud.com .* \(its CSIDrivers: ebs.csi.aws.com\) \(map the recorded driver .* csiDriverMapping\)/) }],
    ['a mapping to a driver the target lacks is a problem naming the mapping', { [DISK]: 'gone.csi' }, [DISK],
      { problem: expect.stringMatching(/no CSI driver gone.csi .*csiDriverMapping maps diskplugin.csi.alibabacloud.com to it/) }],
    ['a target with no CSI drivers at all says none', {}, [], { problem: expect.stringMatching(/its CSIDrivers: none/) }],
  ])('%s', (_name, driverMapping, targetDrivers, expected) => {
    expect(targetDriver(record, restoreVolumesOf([record], { driverMapping, ...(targetDrivers ? { targetDrivers } : {}) }))).toEqual(expected);
  });
});

describe('csiDriverMapping in the restore spec', () => {
  it.each([
    ['a mapping of driver names is read as written', { [DISK]: 'ebs.csi.aws.com' }, { [DISK]: 'ebs.csi.aws.com' }],
    ['no mapping leaves the field out', undefined, undefined],
  ])('%s', (_name, mapping, expected) => {
    expect(specWith(mapping ? { csiDriverMapping: mapping } : {}).csiDriverMapping).toEqual(expected);
  });

  it('refuses a driver name that is not a DNS subdomain, naming the field', () => {
    expect(() => specWith({ csiDriverMapping: { [DISK]: 'Not A Driver' } })).toThrow(/spec.csiDriverMapping.*expected an object name/s);
  });
});
