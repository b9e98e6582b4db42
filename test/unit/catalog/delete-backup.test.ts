import { describe, expect, it } from 'vitest';
import { readCatalogEntry } from '../../../lib/catalog/catalog-entry.js';
import { deleteBackup } from '../../../lib/catalog/delete-backup.js';
import { indexBackup } from '../../../lib/catalog/index-backup.js';
import { silentLog, type CatalogDeps } from '../../../lib/catalog/types.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { buildBackup, putBackup, type FixtureOptions } from '../../support/backup-fixture.js';
import { MemoryStore } from '../../support/memory-store.js';

const layout = new BucketLayout('team');
const NOW = new Date('2026-03-01T00:00:00Z');
const noSleep = { sleep: async () => undefined };
const deps = (store: MemoryStore): CatalogDeps => ({ store, layout, now: () => NOW, log: silentLog });

async function backup(store: MemoryStore, name: string, o: FixtureOptions & { skip?: string[]; index?: boolean } = {}): Promise<string[]> {
  const keys = await putBackup(store, layout, name, await buildBackup(name, o), o.skip);
  if (o.index ?? true) await indexBackup(name, deps(store), noSleep);
  return keys;
}

const keysOf = (store: MemoryStore, name: string) => [...store.objects.keys()].filter((k) => k.startsWith(`team/backups/${name}/`) || k === `team/plugins/ferry/catalog/backups/${name}.json`);

describe('deleteBackup', () => {
  it.each<[string, FixtureOptions & { skip?: string[] }]>([
    ['a Completed backup', {}],
    ['a Ferry backup that Failed (no manifest), so that its name can be used again', { phase: 'Failed', skip: ['ferry-manifest.json'] }],
    ['a Velero backup', { ferry: false }],
  ])('deletes every file and the catalog entry of %s, the manifest first', async (_case, o) => {
    const store = new MemoryStore();
    const keys = await backup(store, 'b1', o);
    await backup(store, 'other');
    const outcome = await deleteBackup('b1', deps(store), noSleep);
    expect(outcome).toMatchObject({ action: 'deleted', protected: [] });
    expect(outcome.keys.sort()).toEqual([...keys, 'team/plugins/ferry/catalog/backups/b1.json'].sort());
    expect(keysOf(store, 'b1')).toEqual([]);
    expect(keysOf(store, 'other').length).toBeGreaterThan(0);
    const deletes = store.calls.filter((c) => c.startsWith('delete team/backups/b1/'));
    if (o.ferry !== false && !o.skip) expect(deletes[0]).toBe('delete team/backups/b1/ferry-manifest.json');
  });

  it('refuses a backup still being written, saying how to delete it if its writer is gone, and deletes it with force', async () => {
    const store = new MemoryStore();
    const keys = await backup(store, 'busy', { phase: 'InProgress', skip: ['ferry-manifest.json'], index: false });
    await expect(deleteBackup('busy', deps(store), noSleep)).rejects.toThrow(/backup busy is still in progress \(velero-backup.json says phase InProgress\); .*--force/);
    expect(keysOf(store, 'busy').sort()).toEqual(keys.sort());
    expect((await deleteBackup('busy', deps(store), { ...noSleep, force: true })).action).toBe('deleted');
    expect(keysOf(store, 'busy')).toEqual([]);
  });

  it('says there is no such backup when it has neither files nor a catalog entry', async () => {
    await expect(deleteBackup('ghost', deps(new MemoryStore()), noSleep)).rejects.toThrow('no backup named ghost');
  });

  it('leaves a backup whose manifest is under retention whole, with its catalog entry as it was, and reports the object', async () => {
    const store = new MemoryStore();
    const keys = await backup(store, 'held');
    const before = (await readCatalogEntry(store, layout, 'held')).entry;
    store.protectedKeys.add('team/backups/held/ferry-manifest.json');
    const outcome = await deleteBackup('held', deps(store), noSleep);
    expect(outcome).toEqual({ action: 'protected', keys: [], protected: [{ key: 'team/backups/held/ferry-manifest.json', reason: expect.stringMatching(/^AccessDenied: /) }] });
    expect(keysOf(store, 'held').filter((k) => k.startsWith('team/backups/')).sort()).toEqual(keys.sort());
    expect((await readCatalogEntry(store, layout, 'held')).entry).toEqual(before);
  });

  it('deletes what it may when a later object is protected and keeps the catalog entry Deleting, naming what was left', async () => {
    const store = new MemoryStore();
    await backup(store, 'part');
    store.protectedKeys.add('team/backups/part/part.tar.gz');
    const outcome = await deleteBackup('part', deps(store), noSleep);
    expect(outcome.action).toBe('partly-deleted');
    expect(outcome.protected.map((p) => p.key)).toEqual(['team/backups/part/part.tar.gz']);
    const entry = (await readCatalogEntry(store, layout, 'part')).entry;
    expect(entry).toMatchObject({ phase: 'Deleting', problems: [expect.stringMatching(/part.tar.gz could not be deleted: AccessDenied/)] });
  });

  it('deletes a catalog entry whose backup files are already gone', async () => {
    const store = new MemoryStore();
    await backup(store, 'stale');
    for (const k of keysOf(store, 'stale')) if (k.startsWith('team/backups/')) store.objects.delete(k);
    expect(await deleteBackup('stale', deps(store), noSleep)).toEqual({ action: 'deleted', keys: ['team/plugins/ferry/catalog/backups/stale.json'], protected: [] });
    expect(keysOf(store, 'stale')).toEqual([]);
  });
});
