import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { RequestStats, WriteOptions } from '../../../lib/kube/cluster.js';
import type { KubeObject } from '../../../lib/model/object.js';
import { runRestore, type RestoreDeps, type RestoreRequest } from '../../../lib/restore/run-restore.js';
import { INLINE_ITEMS, readItems, storeItems } from '../../../lib/restore/result-items.js';
import { readResult } from '../../../lib/restore/result-store.js';
import { parseRestoreSpec } from '../../../lib/spec/restore-spec.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { archiveEntries, buildBackup, putBackup } from '../../support/backup-fixture.js';
import { FakeCluster } from '../../support/fake-cluster.js';
import { MemoryStore } from '../../support/memory-store.js';

const layout = new BucketLayout('p');
const T0 = new Date('2026-03-01T10:00:00Z');

/** A fake cluster that counts its requests as the real adapter does (every call one request). */
class CountingCluster extends FakeCluster {
  override readonly stats: RequestStats = { requests: 0, retries: 0, throttled: 0 };

  override async create(obj: KubeObject, options?: WriteOptions): Promise<KubeObject> {
    this.stats.requests++;
    return super.create(obj, options);
  }

  override async read(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined> {
    this.stats.requests++;
    return super.read(apiVersion, kind, name, namespace);
  }
}

function request(overrides: Partial<RestoreRequest> = {}): RestoreRequest {
  const spec = parseRestoreSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name: 'r1' }, spec: { backupName: 'b1' } }, 'restore');
  return { name: 'r1', spec, dryRun: false, ...overrides };
}

const configMaps = (count: number) => Array.from({ length: count }, (_, i) => ({
  groupResource: 'configmaps', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: `ns-${i % 3}` }, data: { i: String(i) } } as KubeObject,
}));

async function world(objects: number) {
  const store = new MemoryStore();
  await putBackup(store, layout, 'b1', await buildBackup('b1', { entries: archiveEntries(configMaps(objects)) }));
  const cluster = new CountingCluster();
  const warnings: string[] = [];
  const deps: RestoreDeps = { store, layout, cluster, now: () => T0, sleep: async () => undefined, log: { info: () => undefined, warn: (m) => warnings.push(m) } };
  return { store, cluster, deps, warnings };
}

/** remainingMs that lets `objects` objects through, then says the invocation is out of time. */
const timeFor = (objects: number) => () => (objects-- > 0 ? 60_000 : 0);

describe('a large restore keeps a byte per object', () => {
  it('past 1,000 objects the outcomes are stored in a part beside the result, and read back whole and in apply order', async () => {
    const { store, deps } = await world(INLINE_ITEMS + 500);
    const result = await runRestore(request(), deps);
    // The namespaces the backup does not bring are created beforehand and are not objects of the restore.
    expect(result).toMatchObject({ phase: 'Completed', items: [], itemParts: 1, counts: { created: INLINE_ITEMS + 500, total: INLINE_ITEMS + 500 } });
    const stored = await readResult(store, layout, 'r1');
    expect(stored).toEqual(result);
    const items = [];
    for await (const i of readItems(store, layout, stored)) items.push(i);
    expect(items).toHaveLength(INLINE_ITEMS + 500);
    expect(items.slice(0, 2)).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns-0', name: 'cm-0', status: 'created' },
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns-1', name: 'cm-1', status: 'created' },
    ]);
    expect(new Set(items.map((i) => i.name)).size).toBe(INLINE_ITEMS + 500);
  }, 30_000);

  it.each([
    ['outcomes of a restore up to the inline bound stay in the result', 1000, 7, { items: 1000, itemParts: 0 }],
    ['more are written in parts of the given size, the last one shorter', 1001, 400, { items: 0, itemParts: 3 }],
  ])('%s', async (_name, total, perPart, expected) => {
    const store = new MemoryStore();
    const outcomes = configMaps(total).map(({ object }) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: object.metadata.namespace!, name: object.metadata.name!, status: 'created' as const }));
    const stored = await storeItems({ store, layout, restore: 'r1', dryRun: false }, (async function* () { yield* outcomes; })(), total, perPart);
    expect({ items: stored.items.length, itemParts: stored.itemParts }).toEqual(expected);
    const back = [];
    for await (const i of readItems(store, layout, { restore: 'r1', dryRun: false, ...stored })) back.push(i);
    expect(back).toEqual(outcomes);
  });

  it('a part that is not a list of outcomes is refused with its key named', async () => {
    const store = new MemoryStore();
    await store.put(layout.restoreItemsKey('r1', 1), gzipSync('{"not": "a list"}'));
    const read = async () => { for await (const _ of readItems(store, layout, { restore: 'r1', dryRun: false, items: [], itemParts: 1 })) { /* reading */ } };
    await expect(read()).rejects.toThrow(/restores\/r1\/ferry-items-00001.json.gz.*is not a list of restore outcomes/);
  });

  it('a continued restore counts its API requests over every invocation, and applies each object once', async () => {
    const { cluster, deps } = await world(30);
    const first = await runRestore(request({ continuationToken: 'next-1' }), { ...deps, concurrency: 1, reserveMs: 1, remainingMs: timeFor(10) });
    expect(first.phase).toBe('InProgress');
    const afterFirst = cluster.stats.requests;
    expect(first.apiRequests).toEqual({ requests: afterFirst, retries: 0, throttled: 0 });
    const second = await runRestore(request({ claimToken: 'next-1' }), deps);
    expect(second).toMatchObject({ phase: 'Completed', invocations: 2, counts: { created: 30, total: 30 } });
    expect(second.apiRequests).toEqual({ requests: cluster.stats.requests, retries: 0, throttled: 0 });
    expect(cluster.calls.filter((c) => c.op === 'create' && c.key.includes('/ConfigMap/'))).toHaveLength(30);
  });

  it('a checkpoint made for another plan of the backup is not used: a warning, and what this restore wrote before counts as created once', async () => {
    const { store, deps, warnings } = await world(30);
    await runRestore(request({ continuationToken: 'next-1' }), { ...deps, concurrency: 1, reserveMs: 1, remainingMs: timeFor(10) });
    const key = layout.restoreKey('r1', 'checkpoint');
    const saved = store.json(key) as { plan: { sha256: string } };
    await store.put(key, JSON.stringify({ ...saved, plan: { ...saved.plan, sha256: '0'.repeat(64) } }));
    const second = await runRestore(request({ claimToken: 'next-1' }), deps);
    expect(warnings).toContainEqual(expect.stringMatching(/the checkpoint's outcomes are not used \(it was made for another plan of the backup\)/));
    expect(second.counts).toMatchObject({ created: 30, unchanged: 0, total: 30 });
  });
});
