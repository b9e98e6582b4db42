// Exactly-once restores, separate dry runs, verified bytes and bounded reads, on the real stack (versitygw as S3,
// kube-apiserver as the target).
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runBackup } from '../../lib/backup/run-backup.js';
import { indexBackup } from '../../lib/catalog/index-backup.js';
import type { Cluster } from '../../lib/kube/cluster.js';
import type { KubeObject } from '../../lib/model/object.js';
import { itemKey } from '../../lib/restore/apply/outcome.js';
import { RestoreRefusedError, RestoreRunningError } from '../../lib/restore/errors.js';
import { readResult } from '../../lib/restore/result-store.js';
import type { RestoreResult } from '../../lib/restore/result.js';
import { runRestore, type RestoreDeps } from '../../lib/restore/run-restore.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import { parseRestoreSpec } from '../../lib/spec/restore-spec.js';
import { BucketDataError, PreconditionFailedError } from '../../lib/store/errors.js';
import { BucketLayout } from '../../lib/store/layout.js';
import type { ObjectStore } from '../../lib/store/object-store.js';
import { createAll } from '../support/seed.js';
import { freshName, stackCluster, stackStore } from '../support/stack.js';

const layout = new BucketLayout('it-claims');
const store = stackStore();
const quiet = { info: () => undefined, warn: () => undefined };

/** The target cluster, with every create recorded (the writes go to the real API server). */
function recordingTarget(): { cluster: Cluster; creates: string[] } {
  const target = stackCluster('target');
  const creates: string[] = [];
  const cluster = new Proxy(target, {
    get(t, p) {
      if (p === 'create') return async (obj: KubeObject, options?: Parameters<Cluster['create']>[1]) => {
        if (!options?.dryRun && obj.kind !== 'Namespace') creates.push(itemKey(obj));
        return t.create(obj, options);
      };
      const v = Reflect.get(t, p) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
  return { cluster, creates };
}

/** Backs up `count` ConfigMaps of a fresh namespace of the source plane; returns the backup's name and the namespace. */
async function backupOfConfigMaps(count: number, prefix: string): Promise<{ backup: string; ns: string }> {
  const source = stackCluster('source');
  const ns = freshName(prefix);
  await createAll(source, Array.from({ length: count }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: ns }, data: { i: String(i) } })));
  const backup = freshName(`${prefix}-backup`);
  const spec = parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: backup }, spec: { includedNamespaces: [ns] } }, backup);
  expect((await runBackup(spec, { store, layout, cluster: source, clock: () => new Date() })).phase).toBe('Completed');
  source.close();
  return { backup, ns };
}

/**
 * ConfigMaps a result says were created (or found as they are: `unchanged` too). Counted by kind, as the namespace's
 * ServiceAccount, made by the source's controller, comes along.
 */
function configMapsCreated(result: RestoreResult, orUnchanged = false): number {
  return result.items.filter((i) => i.kind === 'ConfigMap' && (i.status === 'created' || (orUnchanged && i.status === 'unchanged'))).length;
}

function restoreSpec(backupName: string, name: string, extra: Record<string, unknown> = {}) {
  return parseRestoreSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name }, spec: { backupName, ...extra } }, name);
}

function deps(cluster: Cluster, extra: Partial<RestoreDeps> = {}): RestoreDeps {
  return { store, layout, cluster, now: () => new Date(), log: quiet, ...extra };
}

describe('restore claims on the real stack', () => {
  it('versitygw honours conditional writes: If-None-Match on an existing key and If-Match on a stale ETag both fail', async () => {
    const key = `${layout.restorePrefix(freshName('cond'))}probe.json`;
    const first = await store.put(key, '1', { ifNoneMatch: '*' });
    await expect(store.put(key, '2', { ifNoneMatch: '*' })).rejects.toThrow(PreconditionFailedError);
    const second = await store.put(key, '3', { ifMatch: first.etag });
    await expect(store.put(key, '4', { ifMatch: first.etag })).rejects.toThrow(PreconditionFailedError);
    await store.put(key, '5', { ifMatch: second.etag });
    expect(Buffer.from((await store.getBytes(key)).bytes).toString()).toBe('5');
  });

  it('two concurrent invocations of the same restore apply each object once and produce one result', async () => {
    const { backup, ns } = await backupOfConfigMaps(40, 'twice');
    const name = freshName('twice-restore');
    const { cluster, creates } = recordingTarget();
    const outcomes = await Promise.allSettled([runRestore({ name, spec: restoreSpec(backup, name), dryRun: false }, deps(cluster)),
      runRestore({ name, spec: restoreSpec(backup, name), dryRun: false }, deps(cluster))]);
    const done = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(done).toHaveLength(1);
    expect(refused[0]?.reason).toBeInstanceOf(RestoreRunningError);
    expect(creates.filter((k) => k.startsWith(`v1/ConfigMap/${ns}/`)).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `v1/ConfigMap/${ns}/cm-${i}`).sort());
    expect(new Set(creates).size).toBe(creates.length);
    const stored = await readResult(store, layout, name);
    expect(stored).toMatchObject({ phase: 'Completed', invocations: 1, counts: { failed: 0 } });
    expect(configMapsCreated(stored)).toBe(40);
  });

  it('a dry run during and after a real run leaves the real run\'s checkpoint and result intact', async () => {
    const { backup } = await backupOfConfigMaps(30, 'dryreal');
    const name = freshName('dryreal-restore');
    const { cluster, creates } = recordingTarget();
    const checkpointKey = layout.restoreKey(name, 'checkpoint');
    const resultKey = layout.restoreKey(name, 'result');
    const bytesOf = async (key: string) => Buffer.from((await store.getBytes(key)).bytes).toString('utf8');

    // The real run stops part way (out of time), then a dry run of the same restore runs to its end.
    let budget = 10;
    const part = await runRestore({ name, spec: restoreSpec(backup, name), dryRun: false }, deps(cluster, {
      concurrency: 1, reserveMs: 1, remainingMs: () => (budget-- > 0 ? 60_000 : 0),
    }));
    expect(part.phase).toBe('InProgress');
    const during = { checkpoint: await bytesOf(checkpointKey), result: await bytesOf(resultKey) };
    const dry = await runRestore({ name, spec: restoreSpec(backup, name), dryRun: true }, deps(cluster));
    expect(dry).toMatchObject({ dryRun: true, phase: 'Completed', counts: { failed: 0 } });
    // The server validates each object as it stands now: the ones the real run wrote already are unchanged.
    expect(configMapsCreated(dry, true)).toBe(30);
    expect({ checkpoint: await bytesOf(checkpointKey), result: await bytesOf(resultKey) }).toEqual(during);

    // The real run resumes where it stopped (nothing created twice), then another dry run leaves its result as it is.
    const real = await runRestore({ name, spec: restoreSpec(backup, name), dryRun: false }, deps(cluster));
    expect(real).toMatchObject({ phase: 'Completed', invocations: 2, dryRun: false });
    expect(new Set(creates).size).toBe(creates.length);
    const after = { checkpoint: await bytesOf(checkpointKey), result: await bytesOf(resultKey) };
    await store.delete(layout.restoreKey(name, 'result', { dryRun: true }));
    await runRestore({ name, spec: restoreSpec(backup, name), dryRun: true }, deps(cluster));
    expect({ checkpoint: await bytesOf(checkpointKey), result: await bytesOf(resultKey) }).toEqual(after);
    const stored = await readResult(store, layout, name);
    expect(stored).toMatchObject({ phase: 'Completed', dryRun: false });
    expect(configMapsCreated(stored)).toBe(30);
  });

  it('a tarball swapped after indexing, as the restore starts reading it, is refused before anything is applied', async () => {
    const { backup, ns } = await backupOfConfigMaps(5, 'swap');
    const other = await backupOfConfigMaps(5, 'swap-other');
    expect(await indexBackup(backup, { store, layout, now: () => new Date(), log: quiet })).toMatchObject({ phase: 'Completed' });
    const key = layout.backupKey(backup, 'tarball');
    const otherBytes = Buffer.from((await store.getBytes(layout.backupKey(other.backup, 'tarball'))).bytes);
    // The index's verdict stands for the files it judged; the tarball is replaced on the bucket just before the restore reads it.
    const swapping: ObjectStore = Object.assign(Object.create(store) as ObjectStore, {
      get: async (k: string) => {
        if (k === key) await store.put(key, otherBytes);
        return store.get(k);
      },
    });
    const { cluster, creates } = recordingTarget();
    const name = freshName('swap-restore');
    const run = runRestore({ name, spec: restoreSpec(backup, name), dryRun: false }, deps(cluster, { store: swapping }));
    await expect(run).rejects.toThrow(RestoreRefusedError);
    await expect(run).rejects.toThrow(new RegExp(`${key} changed since the backup was checked .*nothing was restored`));
    expect(creates).toEqual([]);
    expect(await cluster.read('v1', 'Namespace', ns)).toBeUndefined();
    expect(await cluster.read('v1', 'Namespace', other.ns)).toBeUndefined();
  });

  it('a corrupt stored result is named in a warning and replaced, so the restore name is not blocked', async () => {
    const { backup } = await backupOfConfigMaps(3, 'corrupt-result');
    const name = freshName('corrupt-restore');
    const resultKey = layout.restoreKey(name, 'result');
    await store.put(resultKey, '{"restore": "half a result');
    await expect(readResult(store, layout, name)).rejects.toBeInstanceOf(BucketDataError);
    await expect(readResult(store, layout, name)).rejects.toThrow(`${resultKey}: is not JSON`);
    const warnings: string[] = [];
    const { cluster } = recordingTarget();
    const result = await runRestore({ name, spec: restoreSpec(backup, name), dryRun: false }, deps(cluster, { log: { ...quiet, warn: (m) => warnings.push(m) } }));
    expect(result.phase).toBe('Completed');
    expect(warnings).toEqual([expect.stringContaining(`${resultKey}: is not JSON`)]);
    expect(configMapsCreated(await readResult(store, layout, name))).toBe(3);
  });

  it.each([
    ['oversized volume records', () => Buffer.alloc(16 * 1024 * 1024 + 10, 1), 'is 16777226 bytes or more, over the limit of 16777216'],
    ['volume records that are not gzip', () => Buffer.from('{"not": "gzip"}'), 'is not valid gzip'],
    ['volume records that are not JSON', () => gzipSync('[{"metadata": '), 'is not JSON'],
  ])('%s refuse the restore with a message naming the file, before anything is applied', async (_name, bytes, message) => {
    const { backup, ns } = await backupOfConfigMaps(2, 'volrec');
    const key = layout.backupKey(backup, 'csiVolumeSnapshots');
    await store.put(key, bytes());
    const { cluster, creates } = recordingTarget();
    const name = freshName('volrec-restore');
    await expect(runRestore({ name, spec: restoreSpec(backup, name), dryRun: false }, deps(cluster)))
      .rejects.toThrow(`the backup's volume records cannot be read: ${key}: ${message}`);
    expect(creates).toEqual([]);
    expect(await cluster.read('v1', 'Namespace', ns)).toBeUndefined();
  });
});
