import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ApiResource } from '../../../../lib/kube/cluster.js';
import { loadRestoreVolumes } from '../../../../lib/restore/volumes/load.js';
import { BucketLayout } from '../../../../lib/store/layout.js';
import { FakeCluster } from '../../../support/fake-cluster.js';
import { MemoryStore } from '../../../support/memory-store.js';

const DISK = 'diskplugin.csi.alibabacloud.com';
const layout = new BucketLayout('p');
const CSI_DRIVERS: ApiResource = { group: 'storage.k8s.io', version: 'v1', resource: 'csidrivers', kind: 'CSIDriver', namespaced: false, verbs: ['list'] };
const snapshot = {
  apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 's1', namespace: 'app',
    annotations: { 'velero.io/csi-volumesnapshot-handle': 'h-1', 'velero.io/csi-driver-name': DISK } },
  spec: { source: { persistentVolumeClaimName: 'data' } },
};

async function storeWith(files: Partial<Record<'csiVolumeSnapshots' | 'csiVolumeSnapshotContents', unknown>>): Promise<MemoryStore> {
  const store = new MemoryStore();
  for (const [file, value] of Object.entries(files)) await store.put(layout.backupKey('b1', file as 'csiVolumeSnapshots'), gzipSync(JSON.stringify(value)));
  return store;
}

describe('loadRestoreVolumes', () => {
  it('finds no volumes in a backup without CSI files', async () => {
    const cluster = new FakeCluster([CSI_DRIVERS]);
    expect(await loadRestoreVolumes('b1', { store: await storeWith({}), layout, cluster }, await cluster.discover())).toEqual({ warnings: [] });
    expect(cluster.keys('list')).toEqual([]);
  });

  it('reads the records and the target\'s CSIDriver names', async () => {
    const cluster = new FakeCluster([CSI_DRIVERS]).seed({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: DISK } });
    const loaded = await loadRestoreVolumes('b1', { store: await storeWith({ csiVolumeSnapshots: [snapshot], csiVolumeSnapshotContents: [] }), layout, cluster },
      await cluster.discover(), { [DISK]: DISK });
    expect(loaded.warnings).toEqual([]);
    expect(loaded.volumes?.targetDrivers).toEqual([DISK]);
    expect(loaded.volumes?.driverMapping).toEqual({ [DISK]: DISK });
    expect([...loaded.volumes!.byClaim.keys()]).toEqual(['app/data']);
  });

  it('warns and leaves the drivers unchecked when the target does not serve CSIDriver', async () => {
    const cluster = new FakeCluster([]);
    const loaded = await loadRestoreVolumes('b1', { store: await storeWith({ csiVolumeSnapshots: [snapshot] }), layout, cluster }, await cluster.discover());
    expect(loaded.volumes?.targetDrivers).toBeUndefined();
    expect(loaded.warnings).toEqual([expect.stringMatching(/does not serve storage.k8s.io\/v1 CSIDriver/)]);
  });

  it('warns about a record it cannot use and restores no volume from it', async () => {
    const cluster = new FakeCluster([CSI_DRIVERS]);
    const broken = { ...snapshot, metadata: { ...snapshot.metadata, annotations: {} } };
    const loaded = await loadRestoreVolumes('b1', { store: await storeWith({ csiVolumeSnapshots: [broken] }), layout, cluster }, await cluster.discover());
    expect(loaded).toEqual({ warnings: [expect.stringMatching(/app\/s1 in the backup has no snapshot handle, driver/)] });
  });
});
