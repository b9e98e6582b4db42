// Volume moves that outlast a function's invocation, on the real stack: a backup whose mover is still running when
// its invocation must stop is handed over (WaitingForPluginOperations, no manifest), and the next invocation adopts
// the running mover (no second Job) and commits the backup; a restore whose fill is still running checkpoints
// InProgress and its next invocation adopts the fill before anything later is applied.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { continueBackup } from '../../lib/backup/continue-backup.js';
import { runBackup } from '../../lib/backup/run-backup.js';
import type { Cluster } from '../../lib/kube/cluster.js';
import type { KubeObject } from '../../lib/model/object.js';
import { runRestore } from '../../lib/restore/run-restore.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import { parseRestoreSpec } from '../../lib/spec/restore-spec.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { parseVolumeData } from '../../lib/volumes/volume-data-record.js';
import { stackMover } from '../support/mover.js';
import { createAll } from '../support/seed.js';
import { freshName, stackCluster, stackStore } from '../support/stack.js';
import { deleteNamespaces, volumeFolderOf } from '../support/workloads.js';

const layout = new BucketLayout('it-volume-continuation');
const store = stackStore();
const app = freshName('vc-app');
const into = freshName('vc-into');
const backupName = freshName('vc-backup');
const quiet = { info: () => undefined, warn: () => undefined };
const page = randomBytes(256 * 1024);

/** The cluster, with the names of the mover Jobs created through it recorded (and a hook called after each). */
function recording(cluster: Cluster, afterJob: () => void = () => undefined): { cluster: Cluster; jobs: string[] } {
  const jobs: string[] = [];
  const proxy = new Proxy(cluster, {
    get(target, property) {
      if (property === 'create') {
        return async (obj: KubeObject) => {
          const created = await target.create(obj);
          if (obj.kind === 'Job') {
            jobs.push(obj.metadata.name ?? '');
            afterJob();
          }
          return created;
        };
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { cluster: proxy, jobs };
}

describe('volume moves that outlast an invocation', () => {
  let moverStarted = false;
  const source = recording(stackCluster('source'), () => { moverStarted = true; });
  const target = stackCluster('target');

  beforeAll(async () => {
    await createAll(source.cluster, [{
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: app },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'ferry-local' },
    }]);
    writeFileSync(join(await volumeFolderOf(source.cluster, app, 'data'), 'page.bin'), page);
  });
  afterAll(async () => {
    await Promise.all([deleteNamespaces(source.cluster, [app]), deleteNamespaces(target, [into])]);
  });

  it('hands the backup over while its mover runs: WaitingForPluginOperations, a progress record, no manifest', async () => {
    const spec = parseBackupSpec({
      apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: backupName },
      spec: { backupType: 'AppAndPvBackup', includedNamespaces: [app] },
    }, 'backup.yaml');
    // The invocation's clock passes its hand-off time once the mover is started: it stops waiting at its first look.
    const handOffAt = new Date(Date.now() + 3_600_000);
    const clock = () => new Date(Date.now() + (moverStarted ? 2 * 3_600_000 : 0));
    const outcome = await runBackup(spec, { store, layout, cluster: source.cluster, clock, handOffAt, volumeMover: stackMover(source.cluster, layout) });
    expect(outcome.phase).toBe('WaitingForPluginOperations');
    expect(outcome.pendingVolumes).toBe(1);
    expect(source.jobs).toHaveLength(1);
    const backup = JSON.parse(Buffer.from((await store.getBytes(layout.backupKey(backupName, 'backup'))).bytes).toString('utf8'));
    expect(backup.status.phase).toBe('WaitingForPluginOperations');
    expect(await store.head(layout.backupKey(backupName, 'handOff'))).toBeDefined();
    expect(await store.head(layout.backupKey(backupName, 'manifest'))).toBeUndefined();
    expect(await source.cluster.read('batch/v1', 'Job', source.jobs[0]!, app)).toBeDefined();
  });

  it('continues in a fresh invocation that adopts the running mover and commits the backup', async () => {
    const outcome = await continueBackup(backupName, {
      store, layout, cluster: source.cluster, clock: () => new Date(), deadline: new Date(Date.now() + 600_000), log: quiet,
      volumeMover: stackMover(source.cluster, layout),
    });
    expect(outcome).toMatchObject({ phase: 'Completed', itemsBackedUp: expect.any(Number) });
    expect(source.jobs).toHaveLength(1);
    const record = parseVolumeData(Buffer.from((await store.getBytes(layout.backupKey(backupName, 'volumeData'))).bytes).toString('utf8'));
    expect(record.volumes.map((v) => [v.namespace, v.claim, v.files, v.bytes])).toEqual([[app, 'data', 1, page.length]]);
    expect(await store.head(layout.backupKey(backupName, 'manifest'))).toBeDefined();
    expect(await store.head(layout.backupKey(backupName, 'handOff'))).toBeUndefined();
    expect(await source.cluster.read('batch/v1', 'Job', source.jobs[0]!, app)).toBeUndefined();
  });

  it('does nothing when the same continuation is delivered again', async () => {
    const again = await continueBackup(backupName, {
      store, layout, cluster: source.cluster, clock: () => new Date(), deadline: new Date(Date.now() + 600_000), volumeMover: stackMover(source.cluster, layout),
    });
    expect(again).toEqual({ skipped: `backup ${backupName} is Completed, not WaitingForPluginOperations: nothing to continue` });
  });

  it('checkpoints a restore whose fill is still running, and its next invocation adopts the fill', async () => {
    let outOfTime = false;
    const tgt = recording(target, () => { outOfTime = true; });
    const name = freshName('vc-restore');
    const spec = parseRestoreSpec({
      apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name }, spec: { backupName, namespaceMapping: { [app]: into } },
    }, 'restore.yaml');
    const deps = {
      store, layout, cluster: tgt.cluster, now: () => new Date(), log: quiet, volumeMover: stackMover(tgt.cluster, layout),
      remainingMs: () => (outOfTime ? 0 : 600_000),
    };
    const first = await runRestore({ name, spec, dryRun: false, continuationToken: 'second-invocation' }, deps);
    expect(first.phase).toBe('InProgress');
    expect(tgt.jobs).toHaveLength(1);
    // Nothing after the claims was applied: the pod-less app has none, so the claim stands alone, unfilled.
    const claim = await target.read('v1', 'PersistentVolumeClaim', 'data', into);
    expect(claim?.metadata.annotations?.['ferry.dev/volume-data-restored-from']).toBeUndefined();

    outOfTime = false;
    const second = await runRestore({ name, spec, dryRun: false, claimToken: 'second-invocation' }, { ...deps, remainingMs: () => 600_000 });
    expect(second.phase).toBe('Completed');
    expect(tgt.jobs).toHaveLength(1);
    expect(readFileSync(join(await volumeFolderOf(target, into, 'data'), 'page.bin')).equals(page)).toBe(true);
  });
});
