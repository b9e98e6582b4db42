import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { splitList } from '../../../lib/backup/list-items.js';
import { runBackup } from '../../../lib/backup/run-backup.js';
import { MAX_OBJECT_DEPTH } from '../../../lib/model/depth.js';
import { parseBackupSpec } from '../../../lib/spec/backup-spec.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { steppingClock, tarEntries } from '../../support/backup-archive.js';
import { FakeCluster, obj, RESOURCES, sourceCluster } from '../../support/fake-cluster.js';
import { MemoryStore } from '../../support/memory-store.js';

const layout = new BucketLayout('ferry');

/** JSON text of `{"a":{"a":...}}` nesting `levels` objects around a string: built as text, since no encoder can write 100,000 levels. */
const nested = (levels: number) => `${'{"a":'.repeat(levels)}"leaf"${'}'.repeat(levels)}`;

/** A nested value as JavaScript data (for depths JSON.stringify and the fake can still copy). */
function nestedValue(levels: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

function world() {
  return [obj('v1', 'Namespace', 'shop'), obj('v1', 'ConfigMap', 'plain', 'shop', { data: { a: '1' } })];
}

async function backupOf(cluster: FakeCluster) {
  const store = new MemoryStore();
  const spec = parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: 'deep' }, spec: { includedNamespaces: ['shop'] } }, 'test');
  const outcome = await runBackup(spec, { cluster, store, layout, clock: steppingClock(), options: { pageSize: 2 } });
  const status = (JSON.parse(store.text(layout.backupKey('deep', 'backup'))) as { status: { phase: string; progress: { totalItems: number; itemsBackedUp: number }; errors: number } }).status;
  const entries = outcome.manifestKey ? [...(await tarEntries(store.bytes(layout.backupKey('deep', 'tarball')))).keys()] : [];
  const results = JSON.parse(gunzipSync(store.bytes(layout.backupKey('deep', 'results'))).toString()) as { errors: { namespaces?: Record<string, string[]> } };
  return { outcome, status, entries, errors: results.errors.namespaces?.shop ?? [] };
}

describe('objects nested too deep to back up', () => {
  it.each([
    ['a ConfigMap nested 3,000 levels, as LIST bytes', 'configmaps', `{"metadata":{"name":"deep","namespace":"shop"},"data":{"x":"y"},"extra":${nested(3000)}}`, '3001'],
    ['a custom resource nested 100,000 levels, as LIST bytes (it carries its own apiVersion and kind)', 'widgets',
      `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"deep","namespace":"shop"},"spec":${nested(100_000)}}`, '100001'],
  ])('refuses %s with a reason naming it, counts it, and backs up the rest', async (_case, resource, text, levels) => {
    const cluster = sourceCluster(world());
    cluster.rawItems.set(resource, [text]);
    const { outcome, status, entries, errors } = await backupOf(cluster);
    const gr = resource === 'widgets' ? 'widgets.example.com' : resource;
    expect(errors).toEqual([`${gr} shop/deep: not backed up: it nests ${levels} levels of objects and arrays, more than the ${MAX_OBJECT_DEPTH} `
      + 'a backup takes (no Kubernetes object nests so deep; a restore could not walk it)']);
    expect(outcome).toMatchObject({ phase: 'PartiallyFailed', itemsBackedUp: 2, totalItems: 3, errors: 1 });
    expect(status).toMatchObject({ phase: 'PartiallyFailed', progress: { totalItems: 3, itemsBackedUp: 2 }, errors: 1 });
    expect(entries).toContain('resources/configmaps/namespaces/shop/plain.json');
    expect(entries.filter((e) => e.includes('/deep.json'))).toEqual([]);
  });

  it('refuses a deep object read as parsed objects too (no raw LIST path), once even when its list starts over', async () => {
    const cluster = new FakeCluster(RESOURCES, { rawLists: false }).seed(...world(), obj('v1', 'ConfigMap', 'deep', 'shop', { extra: nestedValue(1500) }),
      obj('v1', 'ConfigMap', 'z-last', 'shop'));
    cluster.expiries.set('configmaps', 1);
    const { outcome, errors } = await backupOf(cluster);
    expect(errors).toEqual([expect.stringMatching(/^configmaps shop\/deep: not backed up: it nests more than 1000 levels/)]);
    expect(outcome).toMatchObject({ phase: 'PartiallyFailed', itemsBackedUp: 3, totalItems: 4 });
  });

  it('backs up an object exactly at the limit', async () => {
    const cluster = sourceCluster([...world(), obj('v1', 'ConfigMap', 'deep', 'shop', { extra: nestedValue(MAX_OBJECT_DEPTH - 1) })]);
    const { outcome, entries } = await backupOf(cluster);
    expect(outcome).toMatchObject({ phase: 'Completed', itemsBackedUp: 3, totalItems: 3 });
    expect(entries).toContain('resources/configmaps/namespaces/shop/deep.json');
  });
});

describe('splitList measures how deep each item nests', () => {
  it.each([
    ['an empty item', '{}', 1],
    ['scalars only', '{"a":1,"b":"x","c":null}', 1],
    ['empty metadata', '{"metadata":{}}', 2],
    ['labels in metadata', '{"metadata":{"name":"n","labels":{"a":"b"}}}', 3],
    ['managedFields three levels under metadata', '{"metadata":{"managedFields":[{"fieldsV1":{"f:data":{}}}]}}', 6],
    ['arrays in arrays', '{"spec":[[[1]],[]]}', 4],
    ['brackets inside strings, which do not count', '{"data":{"x":"{{{[[["}}', 2],
  ])('%s', (_case, item, depth) => {
    const [scanned] = splitList(Buffer.from(`{"items":[${item}]}`), 'v1', 'ConfigMap').items;
    expect(scanned!.depth).toBe(depth);
  });
});
