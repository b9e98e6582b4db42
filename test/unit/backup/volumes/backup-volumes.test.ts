import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { backupVolumes, volumeFiles, type VolumeBackupDeps } from '../../../../lib/backup/volumes/backup-volumes.js';
import { volumeBackupOptions } from '../../../../lib/backup/volumes/options.js';
import { snapshotName, takeSnapshot, SnapshotError } from '../../../../lib/backup/volumes/snapshot.js';
import { emptyResults } from '../../../../lib/model/results.js';
import { claim, namespace, snapshotClass, SnapshotControllerCluster, volume, type ControllerBehaviour } from './snapshot-world.js';

const DISK = 'diskplugin.csi.alibabacloud.com';
const SNAP = 'snapshot.storage.k8s.io/v1';

/** A clock that only moves when the code under test sleeps. */
function fakeTime() {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const sleeps: number[] = [];
  return { clock: () => new Date(now), sleep: async (ms: number) => { sleeps.push(ms); now += ms; }, sleeps };
}

function world(behaviour: Record<string, ControllerBehaviour> = {}) {
  const cluster = new SnapshotControllerCluster();
  cluster.seed(namespace('app'), snapshotClass('disk', DISK, true),
    claim('app', 'www-web-0', 'pv-0'), volume('pv-0', { driver: DISK }),
    claim('app', 'www-web-1', 'pv-1'), volume('pv-1', { driver: DISK }),
    claim('app', 'logs', 'pv-host'), volume('pv-host', { hostPath: { path: '/var/log' } }),
    claim('app', 'pending'));
  for (const [name, b] of Object.entries(behaviour)) cluster.behaviour.set(name, b);
  return cluster;
}

function deps(cluster: SnapshotControllerCluster, time = fakeTime()): VolumeBackupDeps {
  return { cluster, clock: time.clock, sleep: time.sleep, results: emptyResults(), firstPollMs: 1_000, maxPollMs: 8_000 };
}

const candidate = (name: string, pv: string) => ({ namespace: 'app', claim: name, volume: pv, driver: DISK });
const timing = (time = fakeTime(), timeoutMs = 60_000) => ({ timeoutMs, clock: time.clock, sleep: time.sleep, firstPollMs: 1_000, maxPollMs: 8_000 });

describe('takeSnapshot', () => {
  it('waits with a doubling backoff until the snapshot is ready, keeps the content with Retain and deletes the VolumeSnapshot', async () => {
    const cluster = world({ 'www-web-0': { readyAfterReads: 4 } });
    const time = fakeTime();
    const taken = await takeSnapshot(cluster, 'b1', candidate('www-web-0', 'pv-0'), 'disk', timing(time));
    const name = snapshotName('b1', 'app', 'www-web-0');
    expect(time.sleeps).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(taken.snapshot.metadata).toMatchObject({
      name, namespace: 'app', labels: { 'velero.io/backup-name': 'b1' },
      annotations: { 'velero.io/csi-volumesnapshot-handle': 's-www-web-0', 'velero.io/csi-driver-name': DISK,
        'velero.io/csi-volumesnapshot-restore-size': '21474836480', 'ferry.dev/source-persistent-volume': 'pv-0' },
    });
    expect(taken.snapshot.spec).toEqual({ volumeSnapshotClassName: 'disk', source: { persistentVolumeClaimName: 'www-web-0' } });
    expect(taken.content.spec).toMatchObject({ deletionPolicy: 'Retain', driver: DISK });
    expect(cluster.objects.get(`${SNAP}/VolumeSnapshotContent//snapcontent-${name}`)?.spec).toMatchObject({ deletionPolicy: 'Retain' });
    expect(cluster.objects.has(`${SNAP}/VolumeSnapshot/app/${name}`)).toBe(false);
    const patchAt = cluster.calls.findIndex((c) => c.op === 'patch');
    const deleteAt = cluster.calls.findIndex((c) => c.op === 'delete');
    expect(patchAt).toBeGreaterThan(0);
    expect(deleteAt).toBeGreaterThan(patchAt);
  });

  it('fails at once with the controller\'s message when the snapshot reports an error, and deletes it', async () => {
    const cluster = world({ 'www-web-0': { failWith: 'quota exceeded for snapshots' } });
    await expect(takeSnapshot(cluster, 'b1', candidate('www-web-0', 'pv-0'), 'disk', timing()))
      .rejects.toThrow(/snapshot app\/ferry-www-web-0-[0-9a-f]{8} of PersistentVolumeClaim www-web-0 failed: quota exceeded for snapshots/);
    expect(cluster.keys('delete')).toEqual([`${SNAP}/VolumeSnapshot/app/${snapshotName('b1', 'app', 'www-web-0')}`]);
    expect(cluster.keys('patch')).toEqual([]);
  });

  it('times out after csiSnapshotTimeout on the injected clock, naming the timeout and what it waited for', async () => {
    const cluster = world({ 'www-web-0': 'never' });
    const time = fakeTime();
    const error = await takeSnapshot(cluster, 'b1', candidate('www-web-0', 'pv-0'), 'disk', timing(time, 30_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotError);
    expect((error as Error).message).toMatch(/did not become ready within 30s \(csiSnapshotTimeout\): not bound to a content yet/);
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBe(30_000);
    expect(cluster.objects.has(`${SNAP}/VolumeSnapshot/app/${snapshotName('b1', 'app', 'www-web-0')}`)).toBe(false);
  });

  it.each([
    ['a long claim name still gives a valid snapshot name of at most 253 characters', 'x'.repeat(253)],
    ['a short claim name is kept whole', 'data'],
  ])('%s', (_name, claimName) => {
    const name = snapshotName('b1', 'app', claimName);
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name).toMatch(/^ferry-[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(name).toBe(snapshotName('b1', 'app', claimName));
    expect(name).not.toBe(snapshotName('b2', 'app', claimName));
  });
});

describe('backupVolumes', () => {
  const options = volumeBackupOptions({ backupType: 'AppAndPvBackup', volumeOptions: { csiSnapshotTimeout: '1m' } });
  const claims = ['app/www-web-0', 'app/www-web-1', 'app/logs', 'app/pending'];

  it('snapshots the CSI claims, warns about the others and records Velero\'s three lists', async () => {
    const cluster = world({ 'www-web-1': { readyAfterReads: 2 } });
    const d = deps(cluster);
    const result = await backupVolumes('b1', claims, options, d);
    expect(result.snapshots.map((s) => s.spec)).toEqual([
      { volumeSnapshotClassName: 'disk', source: { persistentVolumeClaimName: 'www-web-0' } },
      { volumeSnapshotClassName: 'disk', source: { persistentVolumeClaimName: 'www-web-1' } },
    ]);
    expect(result.contents.map((c) => (c.status as { snapshotHandle: string }).snapshotHandle)).toEqual(['s-www-web-0', 's-www-web-1']);
    expect(result.classes.map((c) => c.metadata.name)).toEqual(['disk']);
    expect(result.skipped.map((s) => s.claim)).toEqual(['logs', 'pending']);
    expect(result.failed).toEqual([]);
    expect(d.results.warnings.namespaces?.app).toEqual([
      expect.stringMatching(/^PersistentVolumeClaim app\/logs: its PersistentVolume pv-host is not a CSI volume \(hostPath\)/),
      expect.stringMatching(/^PersistentVolumeClaim app\/pending: it is not bound/),
    ]);
    expect(d.results.errors).toEqual({});
    const files = Object.fromEntries(volumeFiles(result).map(([file, body]) => [file, JSON.parse(gunzipSync(body).toString('utf8')) as unknown[]]));
    expect(Object.keys(files).sort()).toEqual(['csiVolumeSnapshotClasses', 'csiVolumeSnapshotContents', 'csiVolumeSnapshots']);
    expect(files.csiVolumeSnapshots).toHaveLength(2);
  });

  it('records a failed snapshot as an error of its namespace and still records the others', async () => {
    const cluster = world({ 'www-web-0': 'never' });
    const d = deps(cluster);
    const result = await backupVolumes('b1', claims, options, d);
    expect(result.snapshots).toHaveLength(1);
    expect(result.failed).toEqual([{ namespace: 'app', claim: 'www-web-0', reason: expect.stringMatching(/did not become ready within 1m0s/) }]);
    expect(d.results.errors.namespaces?.app).toEqual([expect.stringMatching(/^PersistentVolumeClaim app\/www-web-0: volume data not backed up: snapshot .* did not become ready/)]);
  });

  it('fails every candidate with a clear reason when the cluster does not serve the snapshot API', async () => {
    const cluster = world();
    const bare = new SnapshotControllerCluster([]);
    for (const o of cluster.objects.values()) bare.seed(o);
    const d = deps(bare);
    const result = await backupVolumes('b1', ['app/www-web-0'], options, d);
    expect(result.failed).toEqual([{ namespace: 'app', claim: 'www-web-0', reason: expect.stringMatching(/does not serve snapshot.storage.k8s.io\/v1 VolumeSnapshotClass/) }]);
    expect(volumeFiles(result)).toEqual([]);
  });

  it('fails a claim whose driver has no snapshot class, naming the driver', async () => {
    const cluster = world();
    cluster.objects.delete(`${SNAP}/VolumeSnapshotClass//disk`);
    const d = deps(cluster);
    const result = await backupVolumes('b1', ['app/www-web-0'], options, d);
    expect(result.failed).toEqual([{ namespace: 'app', claim: 'www-web-0', reason: `no VolumeSnapshotClass for driver ${DISK}` }]);
    expect(cluster.keys('create')).toEqual([]);
  });
});
