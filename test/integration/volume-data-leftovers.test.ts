// What a cut-off move leaves in a cluster, on the real stack. A move left running (as by a process killed while it
// waited) keeps its Job, Secret, clone claim and VolumeSnapshot. A backup of the same namespace taken meanwhile leaves
// them all out of its contents and does not touch them while they may still be adopted; once they have expired, the
// next backup with volume data deletes them. A backup name used again (another run) does not adopt the older run's
// Job under the same name: it replaces it; the same run adopts it.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../lib/backup/run-backup.js';
import type { Cluster } from '../../lib/kube/cluster.js';
import type { KubeObject } from '../../lib/model/object.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { MovePendingError } from '../../lib/volumes/errors.js';
import { MOVER_LABEL, moverSecret } from '../../lib/volumes/job-manifest.js';
import { moverJobName } from '../../lib/volumes/kube-job-mover.js';
import { EXPIRES_ANNOTATION, RUN_ANNOTATION } from '../../lib/volumes/mover-objects.js';
import { parseVolumeData } from '../../lib/volumes/volume-data-record.js';
import { stackMover } from '../support/mover.js';
import { createAll } from '../support/seed.js';
import { freshName, stackCluster, stackStore } from '../support/stack.js';
import { deleteNamespaces, listOf, volumeFolderOf } from '../support/workloads.js';

const layout = new BucketLayout('it-volume-leftovers');
const store = stackStore();
const source = stackCluster('source');
const app = freshName('vl-app');
const SNAPSHOTS = 'volumesnapshots';

/** The cluster with every object it creates recorded (kind/name and annotations). */
function recording(cluster: Cluster): { cluster: Cluster; created: KubeObject[] } {
  const created: KubeObject[] = [];
  const proxy = new Proxy(cluster, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property === 'create') return (o: KubeObject, options?: unknown) => { created.push(o); return target.create(o, options as never); };
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { cluster: proxy, created };
}

/** Leaves the move of `backup`'s claim `data` (run `run`) running, as a process killed while it waited would. */
async function cutOff(backup: string, run: string): Promise<string> {
  await expect(stackMover(source, layout).moveOut({ backup, namespace: app, claim: 'data', run }, { shouldStop: () => true })).rejects.toThrow(MovePendingError);
  return moverJobName('backup', backup, app, 'data');
}

/** The mover objects (`Kind/name`) of mover `name` in the namespace, those being deleted (finalizers pending) left out. */
async function moverObjects(name: string): Promise<string[]> {
  const found: string[] = [];
  for (const resource of ['jobs', 'secrets', 'persistentvolumeclaims', SNAPSHOTS]) {
    for (const o of await listOf(source, resource, app, `${MOVER_LABEL}=${name}`)) if (!o.metadata.deletionTimestamp) found.push(`${o.kind}/${o.metadata.name}`);
  }
  return found.sort();
}

async function backUp(name: string): Promise<{ resources: string[]; claims: string[] }> {
  const spec = parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name }, spec: { backupType: 'AppAndPvBackup', includedNamespaces: [app] } }, 'backup.yaml');
  const outcome = await runBackup(spec, { store, layout, cluster: source, clock: () => new Date(), volumeMover: stackMover(source, layout) });
  expect(outcome.phase, JSON.stringify(outcome.results.errors)).toBe('Completed');
  const list = JSON.parse(gunzipSync((await store.getBytes(layout.backupKey(name, 'resourceList'))).bytes).toString('utf8')) as Record<string, string[]>;
  const record = parseVolumeData(Buffer.from((await store.getBytes(layout.backupKey(name, 'volumeData'))).bytes).toString('utf8'));
  return { resources: Object.entries(list).flatMap(([type, keys]) => keys.map((k) => `${type} ${k}`)).sort(), claims: record.volumes.map((v) => v.claim) };
}

describe('mover objects a cut-off move leaves behind, on the real stack', () => {
  let leftover = '';

  beforeAll(async () => {
    await createAll(source, [{
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: app },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'ferry-local' },
    }]);
    writeFileSync(join(await volumeFolderOf(source, app, 'data'), 'a.bin'), randomBytes(1024 * 1024));
    leftover = await cutOff(freshName('vl-killed'), '2026-01-01T00:00:00Z');
  });
  afterAll(async () => {
    await deleteNamespaces(source, [app]);
    for await (const o of store.list(`${layout.backupsPrefix()}`)) await store.delete(o.key);
  });

  it('a backup of the namespace taken meanwhile leaves the other move\'s Job, pod, Secret, clone claim and VolumeSnapshot out, and leaves them running', async () => {
    expect(await moverObjects(leftover)).toEqual([`Job/${leftover}`, `PersistentVolumeClaim/${leftover}`, `Secret/${leftover}`, `VolumeSnapshot/${leftover}`]);
    const { resources, claims } = await backUp(freshName('vl-meanwhile'));
    expect(resources.filter((r) => r.includes('ferry-mover'))).toEqual([]);
    expect(resources).toContain(`v1/PersistentVolumeClaim ${app}/data`);
    expect(claims).toEqual(['data']);
    expect(await moverObjects(leftover)).toEqual([`Job/${leftover}`, `PersistentVolumeClaim/${leftover}`, `Secret/${leftover}`, `VolumeSnapshot/${leftover}`]);
  });

  it('the next backup with volume data deletes them once they have expired (no run can still adopt them), a lone Secret too', async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    for (const [apiVersion, kind] of [['batch/v1', 'Job'], ['v1', 'Secret'], ['v1', 'PersistentVolumeClaim'], ['snapshot.storage.k8s.io/v1', 'VolumeSnapshot']] as const) {
      await source.patch({ apiVersion, kind, metadata: { name: leftover, namespace: app } }, { metadata: { annotations: { [EXPIRES_ANNOTATION]: past } } }, 'merge');
    }
    // What a process killed between a move's Secret and its Job leaves.
    const lone = 'ferry-mover-backup-0123456789abcdef';
    await source.create(moverSecret(lone, app, { KOPIA_PASSWORD: 'x' }, { 'ferry.dev/backup': 'gone' }, { [RUN_ANNOTATION]: 'backup/gone/t', [EXPIRES_ANNOTATION]: past }));
    await backUp(freshName('vl-next'));
    expect(await moverObjects(leftover)).toEqual([]);
    expect(await moverObjects(lone)).toEqual([]);
  });

  it('a backup name used again (another run) replaces the older run\'s Job under the same name instead of adopting it', async () => {
    const backup = freshName('vl-reused');
    const name = await cutOff(backup, '2026-01-01T00:00:00Z');
    const older = (await source.read('batch/v1', 'Job', name, app))!;
    const { cluster, created } = recording(source);
    const moved = await stackMover(cluster, layout).moveOut({ backup, namespace: app, claim: 'data', run: '2026-02-02T00:00:00Z' });
    expect(moved.source).toBe('snapshot');
    const jobs = created.filter((o) => o.kind === 'Job');
    expect(jobs.map((j) => j.metadata.annotations?.[RUN_ANNOTATION])).toEqual([`backup/${backup}/2026-02-02T00:00:00Z`]);
    expect(created.filter((o) => o.kind === 'VolumeSnapshot').map((o) => o.metadata.name)).toEqual([name]);
    expect(older.metadata.annotations?.[RUN_ANNOTATION]).toBe(`backup/${backup}/2026-01-01T00:00:00Z`);
    expect(await moverObjects(name)).toEqual([]);
  });

  it('the same run continuing adopts its running Job and clone', async () => {
    const backup = freshName('vl-continued');
    await cutOff(backup, '2026-03-03T00:00:00Z');
    const { cluster, created } = recording(source);
    const moved = await stackMover(cluster, layout).moveOut({ backup, namespace: app, claim: 'data', run: '2026-03-03T00:00:00Z' });
    expect(moved.snapshotId).toMatch(/^[0-9a-f]{32}$/);
    expect(created).toEqual([]);
  });
});
