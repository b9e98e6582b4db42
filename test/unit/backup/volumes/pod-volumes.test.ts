import { describe, expect, it } from 'vitest';
import { backupSelectedVolumes } from '../../../../lib/backup/volumes/backup-volumes.js';
import { podVolumeWarnings } from '../../../../lib/backup/volumes/pod-volumes.js';
import type { KubeObject } from '../../../../lib/model/object.js';
import { emptyResults } from '../../../../lib/model/results.js';
import { FakeCluster } from '../../../support/fake-cluster.js';

const pod = (volumes: Record<string, unknown>[]): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'app' }, spec: { containers: [], volumes } });

describe('podVolumeWarnings', () => {
  it.each([
    ['an emptyDir volume is named as not backed up', [{ name: 'cache', emptyDir: {} }], ['Pod app/web-0: volume cache (emptyDir) cannot be snapshotted with CSI: its data is not backed up']],
    ['a hostPath volume is named as not backed up', [{ name: 'logs', hostPath: { path: '/var/log' } }], ['Pod app/web-0: volume logs (hostPath) cannot be snapshotted with CSI: its data is not backed up']],
    ['an inline NFS volume is named as not backed up', [{ name: 'share', nfs: { server: 'nas', path: '/x' } }], ['Pod app/web-0: volume share (nfs) cannot be snapshotted with CSI: its data is not backed up']],
    ['a claim is left to the snapshot pass', [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }], []],
    ['configuration volumes carry no data of their own', [{ name: 'cfg', configMap: { name: 'c' } }, { name: 's', secret: { secretName: 's' } }, { name: 'p', projected: { sources: [] } }], []],
    ['a pod without volumes has nothing to warn about', [], []],
  ])('%s', (_name, volumes, expected) => {
    expect(podVolumeWarnings(pod(volumes))).toEqual(expected);
  });
});

describe('backupSelectedVolumes and pod volumes', () => {
  it('warns in the pod\'s namespace about every backed-up pod volume no snapshot covers', async () => {
    const cluster = new FakeCluster().seed(pod([{ name: 'cache', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c' } }]));
    const results = emptyResults();
    const files = await backupSelectedVolumes(
      { spec: { name: 'b1', backupType: 'AppAndPvBackup', volumeOptions: {} }, resourceList: { 'v1/Pod': ['app/web-0'] } },
      { cluster, clock: () => new Date(0), results },
    );
    expect(files).toEqual([]);
    expect(results.warnings.namespaces).toEqual({ app: ['Pod app/web-0: volume cache (emptyDir) cannot be snapshotted with CSI: its data is not backed up'] });
  });

  it('an AppBackup reads no pods at all', async () => {
    const cluster = new FakeCluster().seed(pod([{ name: 'cache', emptyDir: {} }]));
    const results = emptyResults();
    await backupSelectedVolumes({ spec: { name: 'b1', backupType: 'AppBackup', volumeOptions: {} }, resourceList: { 'v1/Pod': ['app/web-0'] } },
      { cluster, clock: () => new Date(0), results });
    expect(cluster.calls).toEqual([]);
    expect(results.warnings).toEqual({});
  });
});
