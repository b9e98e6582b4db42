import { describe, expect, it } from 'vitest';
import { quantityBytes, restoreVolumeSnapshots, VolumeRestoreError } from '../../../../lib/restore/stages/volume-snapshots.js';
import { restoreVolumesOf } from '../../../../lib/restore/volumes/records.js';
import { contextWith, frozen, itemOf, keptObject, obj } from '../fixtures.js';

const DISK = 'diskplugin.csi.alibabacloud.com';
const volumes = (targetDrivers?: string[]) => restoreVolumesOf(
  [{ namespace: 'app', claim: 'data', snapshotName: 'snap-data', handle: 'h', driver: DISK, volume: 'pv-data' }],
  targetDrivers ? { targetDrivers } : {});
const claim = (name: string) => obj('v1', 'PersistentVolumeClaim', name, 'app', {
  spec: { volumeName: `pv-${name}`, dataSourceRef: { kind: 'PersistentVolumeClaim', name: 'old' }, resources: { requests: { storage: '1Gi' } } },
});

describe('volume-snapshots stage', () => {
  it('does not change its input and rewrites a copy of a snapshotted claim', () => {
    const item = frozen(itemOf(claim('data')));
    const object = keptObject(restoreVolumeSnapshots(item, contextWith({}, { volumes: volumes([DISK]) })));
    expect(object.spec).toEqual({ resources: { requests: { storage: '1Gi' } }, dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap-data' } });
    expect((item.object.spec as { volumeName: string }).volumeName).toBe('pv-data');
  });

  it.each([
    ['a claim without a record is kept as it is', itemOf(claim('other')), volumes([DISK])],
    ['a ConfigMap is kept as it is', itemOf(obj('v1', 'ConfigMap', 'data', 'app', { data: {} })), volumes([DISK])],
    ['a snapshotted claim is kept as it is when the restore has no volume records', itemOf(claim('data')), undefined],
  ])('%s', (_name, item, v) => {
    expect(restoreVolumeSnapshots(item, contextWith({}, v ? { volumes: v } : {}))).toEqual({ item });
  });

  it.each([
    ['a volume named by the record is skipped', obj('v1', 'PersistentVolume', 'pv-data', undefined, { spec: {} })],
    ['a volume whose claimRef names a snapshotted claim is skipped', obj('v1', 'PersistentVolume', 'pv-x', undefined, { spec: { claimRef: { namespace: 'app', name: 'data' } } })],
  ])('%s', (_name, pv) => {
    expect(restoreVolumeSnapshots(itemOf(pv), contextWith({}, { volumes: volumes() }))).toEqual({ skip: expect.stringMatching(/restored from snapshot app\/snap-data/) });
  });

  it('throws a VolumeRestoreError for a claim whose driver the target lacks', () => {
    expect(() => restoreVolumeSnapshots(itemOf(claim('data')), contextWith({}, { volumes: volumes(['other.csi']) }))).toThrow(VolumeRestoreError);
  });

  it.each([
    ['a request smaller than the snapshot is raised to its size with a warning', '1Gi', 2 ** 31, { storage: String(2 ** 31) }, 1],
    ['a request as large as the snapshot is kept', '2Gi', 2 ** 31, { storage: '2Gi' }, 0],
    ['a decimal request larger than the snapshot is kept', '3G', 2 ** 31, { storage: '3G' }, 0],
    ['a request without a recorded size is kept', '1Gi', undefined, { storage: '1Gi' }, 0],
  ])('%s', (_name, storage, restoreSize, expected, warnings) => {
    const v = restoreVolumesOf([{ namespace: 'app', claim: 'data', snapshotName: 'snap-data', handle: 'h', driver: DISK, ...(restoreSize ? { restoreSize } : {}) }]);
    const item = itemOf(obj('v1', 'PersistentVolumeClaim', 'data', 'app', { spec: { resources: { requests: { storage } } } }));
    const result = restoreVolumeSnapshots(item, contextWith({}, { volumes: v }));
    expect((keptObject(result).spec as { resources: { requests: unknown } }).resources.requests).toEqual(expected);
    expect('warnings' in result ? result.warnings : []).toHaveLength(warnings);
  });

  it.each([
    ['20Gi', 20 * 2 ** 30], ['500M', 5e8], ['1.5Ti', 1.5 * 2 ** 40], ['1024', 1024], ['1e3', undefined], ['lots', undefined],
  ])('reads the storage quantity %s as %s bytes', (text, bytes) => {
    expect(quantityBytes(text)).toBe(bytes);
  });
});
