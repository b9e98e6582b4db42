import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LeaseLostError, RestoreRefusedError, RestoreRunningError } from '../../../lib/restore/errors.js';
import { LEASE_MS } from '../../../lib/restore/claim.js';
import { runRestore, type RestoreDeps, type RestoreRequest } from '../../../lib/restore/run-restore.js';
import { readResult } from '../../../lib/restore/result-store.js';
import { parseRestoreSpec } from '../../../lib/spec/restore-spec.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { buildBackup, buildTarball, archiveEntries, putBackup, seedItems } from '../../support/backup-fixture.js';
import { FakeCluster } from '../../support/fake-cluster.js';
import { MemoryStore } from '../../support/memory-store.js';

const layout = new BucketLayout('p');
const T0 = new Date('2026-03-01T10:00:00Z');

function request(overrides: Partial<RestoreRequest> = {}): RestoreRequest {
  const spec = parseRestoreSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name: 'r1' }, spec: { backupName: 'b1' } }, 'restore');
  return { name: 'r1', spec, dryRun: false, ...overrides };
}

async function world(options: { files?: Awaited<ReturnType<typeof buildBackup>> } = {}) {
  const store = new MemoryStore();
  await putBackup(store, layout, 'b1', options.files ?? await buildBackup('b1'));
  const cluster = new FakeCluster();
  let now = T0.getTime();
  const warnings: string[] = [];
  const deps: RestoreDeps = {
    store, layout, cluster, now: () => new Date(now), sleep: async () => undefined,
    log: { info: () => undefined, warn: (m) => warnings.push(m) },
  };
  return { store, cluster, deps, warnings, advance: (ms: number) => { now += ms; } };
}

const checkpointKey = (dryRun = false) => layout.restoreKey('r1', 'checkpoint', { dryRun });
const resultKey = (dryRun = false) => layout.restoreKey('r1', 'result', { dryRun });
const creates = (cluster: FakeCluster) => cluster.calls.filter((c) => c.op === 'create' && !c.key.startsWith('v1/Namespace/')).map((c) => c.key);

describe('runRestore claims its name', () => {
  it('a restore applies each object once, stores its result and releases its claim; running it again returns that result', async () => {
    const { store, cluster, deps } = await world();
    const first = await runRestore(request(), deps);
    expect(first.phase).toBe('Completed');
    expect(creates(cluster).sort()).toEqual(['apps/v1/StatefulSet/default/web', 'v1/ConfigMap/default/web-config', 'v1/Service/default/nginx']);
    expect(store.json(checkpointKey())).toMatchObject({ invocations: 1, lease: { holder: '', expiresAt: T0.toISOString() } });
    const again = await runRestore(request(), deps);
    expect(again).toEqual(first);
    expect(creates(cluster)).toHaveLength(3);
  });

  it.each([
    ['a live claim of another invocation makes a second invocation report that it is running and do nothing', 0, undefined, 'running'],
    ['a live claim handed to another token is not taken by an invocation without it', 0, 'someone-else', 'running'],
    ['a claim whose lease ran out (its holder crashed) is taken over', LEASE_MS, undefined, 'taken'],
    ['a claim handed to this continuation\'s token is taken at once', 0, 'token-1', 'taken'],
  ] as const)('%s', async (_name, elapsed, heldBy, expected) => {
    const { store, cluster, deps, advance } = await world();
    const lease = { holder: heldBy ?? 'invocation-a', expiresAt: new Date(T0.getTime() + LEASE_MS).toISOString() };
    await store.put(checkpointKey(), JSON.stringify({ restore: 'r1', backup: 'b1', dryRun: false, startedAt: T0.toISOString(), done: {}, invocations: 1, lease }));
    advance(elapsed);
    const run = runRestore(request({ claimToken: 'token-1' }), deps);
    if (expected === 'running') {
      await expect(run).rejects.toThrow(RestoreRunningError);
      await expect(run).rejects.toThrow(/restore r1 is running in another invocation .*this one did nothing/);
      expect(cluster.calls).toEqual([]);
      expect(store.json(checkpointKey())).toMatchObject({ invocations: 1, lease });
    } else {
      expect((await run).phase).toBe('Completed');
      expect(store.json(checkpointKey())).toMatchObject({ invocations: 2 });
    }
  });

  it('two invocations of one restore at once: one restores, the other reports that it is running; each object is applied once', async () => {
    const { cluster, deps } = await world();
    const outcomes = await Promise.allSettled([runRestore(request(), deps), runRestore(request(), deps)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ reason: expect.any(RestoreRunningError) });
    expect(creates(cluster)).toHaveLength(3);
  });

  it('an invocation running out of time hands its claim to the continuation\'s token, which resumes without applying anything twice', async () => {
    const { store, cluster, deps } = await world();
    let budget = 1;
    const first = await runRestore(request({ continuationToken: 'next-1' }), { ...deps, concurrency: 1, reserveMs: 1, remainingMs: () => (budget-- > 0 ? 60_000 : 0) });
    expect(first.phase).toBe('InProgress');
    expect(store.json(checkpointKey())).toMatchObject({ lease: { holder: 'next-1' } });
    await expect(runRestore(request(), deps)).rejects.toThrow(RestoreRunningError);
    const second = await runRestore(request({ claimToken: 'next-1' }), deps);
    expect(second).toMatchObject({ phase: 'Completed', invocations: 2 });
    expect(creates(cluster)).toHaveLength(3);
  });

  it('an invocation whose claim was taken over stops, and writes neither progress nor a result', async () => {
    const { store, deps } = await world();
    let stolen = false;
    // Another invocation takes the claim over while this one applies (as if this one had stalled past its lease).
    const onProgress = () => {
      if (stolen) return;
      stolen = true;
      const taken = { ...store.json(checkpointKey()), lease: { holder: 'thief', expiresAt: '2099-01-01T00:00:00Z' } };
      store.objects.set(checkpointKey(), { bytes: Buffer.from(JSON.stringify(taken)), etag: '"thief"', lastModified: new Date() });
    };
    await expect(runRestore(request(), { ...deps, concurrency: 1, onProgress })).rejects.toThrow(LeaseLostError);
    expect(store.json(checkpointKey())).toMatchObject({ lease: { holder: 'thief' } });
    expect(store.objects.has(resultKey())).toBe(false);
  });
});

describe('runRestore keeps dry runs apart', () => {
  it('a dry run after a real run keeps its own checkpoint and result, and leaves the real run\'s as they were', async () => {
    const { store, deps } = await world();
    await runRestore(request(), deps);
    const real = { checkpoint: store.text(checkpointKey()), result: store.text(resultKey()) };
    const dry = await runRestore(request({ dryRun: true }), deps);
    expect(dry).toMatchObject({ dryRun: true, phase: 'Completed' });
    expect({ checkpoint: store.text(checkpointKey()), result: store.text(resultKey()) }).toEqual(real);
    expect(store.json(resultKey(true))).toMatchObject({ dryRun: true });
    expect(store.json(checkpointKey(true))).toMatchObject({ dryRun: true });
    expect(await readResult(store, layout, 'r1')).toMatchObject({ dryRun: false });
  });
});

describe('runRestore reads bucket data bounded and typed', () => {
  it.each([
    ['a stored result that is not JSON', '{"restore": "r1", "pha'],
    ['a stored result of another restore', JSON.stringify({ restore: 'other', dryRun: false, phase: 'Completed' })],
  ])('%s is named in a warning and replaced, and the restore runs', async (_name, body) => {
    const { store, deps, warnings } = await world();
    await store.put(resultKey(), body);
    const result = await runRestore(request(), deps);
    expect(result.phase).toBe('Completed');
    expect(warnings[0]).toContain(`${resultKey()}: is not`);
    expect(result.results.warnings.velero).toEqual([expect.stringContaining('it is ignored and replaced by this run\'s result')]);
    expect(store.json(resultKey())).toMatchObject({ restore: 'r1', phase: 'Completed' });
  });

  it('an unreadable checkpoint is named in a warning and the restore starts over', async () => {
    const { store, deps, warnings } = await world();
    await store.put(checkpointKey(), '[1, 2');
    expect((await runRestore(request(), deps)).phase).toBe('Completed');
    expect(warnings).toEqual([expect.stringMatching(/ferry-checkpoint.json: is not JSON.*the restore starts over/)]);
  });

  it.each([
    ['volume records that are not gzip', Buffer.from('[]'), /csi-volumesnapshots.json.gz: is not valid gzip/],
    ['volume records that are not JSON', gzipSync('{"no'), /csi-volumesnapshots.json.gz: is not JSON/],
    ['volume records that inflate past their limit', gzipSync(Buffer.alloc(65 * 1024 * 1024, 32)), /decompresses to more than the limit of 67108864 bytes/],
    ['volume records larger than their limit', Buffer.alloc(16 * 1024 * 1024 + 1), /is 16777217 bytes or more, over the limit of 16777216/],
  ])('%s refuse the restore with the key named, before anything is applied', async (_name, bytes, message) => {
    const { store, cluster, deps } = await world();
    await store.put(layout.backupKey('b1', 'csiVolumeSnapshots'), bytes);
    const run = runRestore(request(), deps);
    await expect(run).rejects.toThrow(RestoreRefusedError);
    await expect(run).rejects.toThrow(message);
    expect(creates(cluster)).toEqual([]);
  });
});

describe('runRestore applies only verified bytes', () => {
  it('a tarball whose bytes change after the check (same ETag) is refused by its sha256 before anything is applied', async () => {
    // Uncompressed gzip (level 0) of entries of equal sizes: the swapped tarball is as long as the checked one and reads fine.
    const tarballOf = (value: string) => buildTarball(archiveEntries([{ groupResource: 'configmaps',
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { mode: value } } }]), 0);
    const files = await buildBackup('b1', { tarball: await tarballOf('a') });
    const { store, cluster, deps } = await world({ files });
    const swapped = await tarballOf('b');
    const key = layout.backupKey('b1', 'tarball');
    expect(swapped.length).toBe(store.bytes(key).length);
    const get = store.get.bind(store);
    let reads = 0;
    // The check reads the tarball first; the restore's read gets other bytes under the same ETag.
    store.get = async (k: string) => {
      const got = await get(k);
      return k === key && ++reads > 1 ? { ...got, body: Readable.from([swapped]) } : got;
    };
    const run = runRestore(request(), deps);
    await expect(run).rejects.toThrow(RestoreRefusedError);
    await expect(run).rejects.toThrow(/b1.tar.gz: sha256 [0-9a-f]{64} of the bytes read does not match ferry-manifest.json \([0-9a-f]{64}\); nothing was applied/);
    expect(cluster.calls.filter((c) => c.op === 'create')).toEqual([]);
  });

  it('a tarball replaced after the check (a new ETag) is refused before anything is applied', async () => {
    const { store, cluster, deps } = await world();
    const key = layout.backupKey('b1', 'tarball');
    const get = store.get.bind(store);
    let reads = 0;
    store.get = async (k: string) => {
      if (k === key && ++reads === 2) await store.put(key, await buildTarball(archiveEntries(seedItems('elsewhere'))));
      return get(k);
    };
    await expect(runRestore(request(), deps)).rejects.toThrow(/b1.tar.gz changed since the backup was checked/);
    expect(creates(cluster)).toEqual([]);
  });

  it('a Velero backup without a manifest is restored with a warning saying its contents are not verified', async () => {
    const { deps } = await world({ files: await buildBackup('b1', { ferry: false }) });
    const result = await runRestore(request(), deps);
    expect(result).toMatchObject({ verified: false, phase: 'Completed' });
    expect(result.results.warnings.velero).toContain('backup b1 has no Ferry manifest (a Velero backup): its contents are not verified');
  });
});

describe('runRestore reads what the stages need of other objects in a first pass', () => {
  it('a dynamically provisioned volume without a snapshot is left to the target, and its claim is unbound', async () => {
    const pv = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1' },
      spec: { persistentVolumeReclaimPolicy: 'Delete', capacity: { storage: '1Gi' }, hostPath: { path: '/data' }, claimRef: { namespace: 'default', name: 'data' } } };
    const pvc = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' },
      spec: { volumeName: 'pv-1', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    // The claim comes before its volume in the tarball: only a first pass knows, at the claim, that the volume is not restored.
    const files = await buildBackup('b1', { entries: archiveEntries([{ groupResource: 'persistentvolumeclaims', object: pvc }, { groupResource: 'persistentvolumes', object: pv }]) });
    const { cluster, deps } = await world({ files });
    const result = await runRestore(request(), deps);
    expect(result.skippedByTransform).toEqual([expect.objectContaining({ kind: 'PersistentVolume', name: 'pv-1', reason: expect.stringMatching(/^reprovision-volumes: /) })]);
    expect((await cluster.read('v1', 'PersistentVolumeClaim', 'data', 'default'))?.spec).not.toHaveProperty('volumeName');
  });
});
