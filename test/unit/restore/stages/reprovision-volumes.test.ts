import { describe, expect, it } from 'vitest';
import { reprovisionVolumes, volumesToReprovision } from '../../../../lib/restore/stages/reprovision-volumes.js';
import { restoreVolumesOf } from '../../../../lib/restore/volumes/records.js';
import { contextWith, frozen, itemOf, keptObject, obj } from '../fixtures.js';

const pv = (name: string, policy: string | undefined, claim = 'data') => obj('v1', 'PersistentVolume', name, undefined, {
  spec: { ...(policy ? { persistentVolumeReclaimPolicy: policy } : {}), claimRef: { namespace: 'app', name: claim }, hostPath: { path: `/src/${name}` } },
});
const claim = (volumeName: string | undefined, annotations: Record<string, string> = {}) => obj('v1', 'PersistentVolumeClaim', 'data', 'app', {
  spec: { storageClassName: 'fast', ...(volumeName ? { volumeName } : {}), resources: { requests: { storage: '1Gi' } } },
}, Object.keys(annotations).length ? { annotations } : {});
const snapshotOf = (volume: string) => restoreVolumesOf([{ namespace: 'app', claim: 'data', snapshotName: 's', handle: 'h', driver: 'd', volume }]);

describe('volumesToReprovision', () => {
  it.each([
    ['a volume whose reclaim policy is Delete and has no snapshot is provisioned anew', [pv('pv-1', 'Delete')], undefined, ['pv-1']],
    ['a volume whose reclaim policy is Retain is restored as it was', [pv('pv-1', 'Retain')], undefined, []],
    ['a volume without a reclaim policy is restored as it was', [pv('pv-1', undefined)], undefined, []],
    ['a snapshotted volume is left to the snapshot stage', [pv('pv-1', 'Delete')], snapshotOf('pv-1'), []],
    ['a volume whose claim was snapshotted is left to the snapshot stage', [pv('pv-2', 'Delete')], snapshotOf('pv-other'), []],
    ['claims and other objects are not volumes', [claim('pv-1'), obj('v1', 'ConfigMap', 'c', 'app')], undefined, []],
  ])('%s', (_name, objects, volumes, expected) => {
    expect([...volumesToReprovision(objects.map(itemOf), volumes)]).toEqual(expected);
  });
});

describe('reprovision-volumes stage', () => {
  const context = contextWith({}, { reprovisionVolumes: new Set(['pv-1']) });

  it('skips a volume the target provisions anew, saying why', () => {
    expect(reprovisionVolumes(itemOf(pv('pv-1', 'Delete')), context)).toEqual({ skip: expect.stringMatching(/reclaim policy is Delete/) });
  });

  it('unbinds a claim of such a volume without changing its input', () => {
    const item = frozen(itemOf(claim('pv-1', { 'volume.kubernetes.io/storage-provisioner': 'disk.csi', keep: 'me' })));
    const object = keptObject(reprovisionVolumes(item, context));
    expect(object.spec).toEqual({ storageClassName: 'fast', resources: { requests: { storage: '1Gi' } } });
    expect(object.metadata.annotations).toEqual({ keep: 'me' });
    expect((item.object.spec as { volumeName: string }).volumeName).toBe('pv-1');
  });

  it.each([
    ['a claim bound to another volume is kept as it is', itemOf(claim('pv-9')), context],
    ['an unbound claim is kept as it is', itemOf(claim(undefined)), context],
    ['a volume not in the set is kept as it is', itemOf(pv('pv-9', 'Delete')), context],
    ['everything is kept as it is when the context names no volume', itemOf(pv('pv-1', 'Delete')), contextWith()],
  ])('%s', (_name, item, ctx) => {
    expect(reprovisionVolumes(item, ctx)).toEqual({ item });
  });
});
