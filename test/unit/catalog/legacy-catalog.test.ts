import { describe, expect, it } from 'vitest';
import { entryFromVerdict, listCatalog, readCatalogEntry, type CatalogEntry } from '../../../lib/catalog/catalog-entry.js';
import { expireBackups } from '../../../lib/catalog/expire.js';
import { indexBackup } from '../../../lib/catalog/index-backup.js';
import { moveLegacyCatalog } from '../../../lib/catalog/legacy-catalog.js';
import type { CatalogDeps, Log } from '../../../lib/catalog/types.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { buildBackup, putBackup } from '../../support/backup-fixture.js';
import { MemoryStore } from '../../support/memory-store.js';

const layout = new BucketLayout('team');
const NOW = new Date('2026-03-01T00:00:00Z');
const noSleep = { sleep: async () => undefined };

/** A log that keeps its lines. */
function recorder(): Log & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`) };
}

function deps(store: MemoryStore, log: Log = recorder()): CatalogDeps {
  return { store, layout, now: () => NOW, log };
}

function entry(name: string, over: Partial<CatalogEntry> = {}): CatalogEntry {
  const e = entryFromVerdict({ name, phase: 'Completed', verified: true, format: 'ferry', problems: [], size: 1, files: [], counts: undefined, backup: undefined }, NOW);
  return { ...e, ...over };
}

/** Puts an entry where Ferry kept the catalog before: `<prefix>/catalog/backups/<name>.json`. */
async function putLegacy(store: MemoryStore, name: string, over: Partial<CatalogEntry> = {}): Promise<string> {
  const key = `team/catalog/backups/${name}.json`;
  await store.put(key, JSON.stringify(entry(name, over)));
  return key;
}

/** The top-level folders under the prefix, as Velero's location validation lists them. */
const topLevel = (store: MemoryStore) => [...new Set([...store.objects.keys()].map((k) => k.split('/')[1]))].sort();

describe('moveLegacyCatalog', () => {
  it('moves every entry of the old catalog/ folder to plugins/ferry/catalog/ and leaves no catalog/ folder', async () => {
    const store = new MemoryStore();
    await putLegacy(store, 'b1');
    await putLegacy(store, 'b2', { phase: 'Failed' });
    const report = await moveLegacyCatalog(store, layout, recorder());
    expect(report).toEqual({ moved: ['team/catalog/backups/b1.json', 'team/catalog/backups/b2.json'], superseded: [], left: [] });
    expect(topLevel(store)).toEqual(['plugins']);
    expect((await readCatalogEntry(store, layout, 'b2')).entry?.phase).toBe('Failed');
  });

  it('keeps an entry already at the new place (written later) and drops the old copy of it', async () => {
    const store = new MemoryStore();
    await putLegacy(store, 'b1', { phase: 'Incomplete' });
    await store.put(layout.catalogKey('b1'), JSON.stringify(entry('b1', { phase: 'Completed' })));
    const report = await moveLegacyCatalog(store, layout, recorder());
    expect(report.superseded).toEqual(['team/catalog/backups/b1.json']);
    expect((await readCatalogEntry(store, layout, 'b1')).entry?.phase).toBe('Completed');
    expect(topLevel(store)).toEqual(['plugins']);
  });

  it('leaves an object too large to be an entry where it is, and says Velero refuses the location until it is deleted', async () => {
    const store = new MemoryStore();
    await store.put('team/catalog/backups/huge.json', 'x'.repeat(5 * 1024 * 1024));
    const log = recorder();
    expect((await moveLegacyCatalog(store, layout, log)).left).toEqual(['team/catalog/backups/huge.json']);
    expect(log.lines.join('\n')).toMatch(/huge\.json stays in team\/catalog\/: .* Velero keeps this location Unavailable/);
  });

  it('logs a move it could not finish (a delete refused) and tries again on the next call', async () => {
    const store = new MemoryStore();
    const key = await putLegacy(store, 'b1');
    store.protectedKeys.add(key);
    const log = recorder();
    await moveLegacyCatalog(store, layout, log);
    expect(log.lines.join('\n')).toMatch(/warn could not move the catalog out of team\/catalog\/ \(Velero refuses a location that has it\)/);
    store.protectedKeys.delete(key);
    expect((await moveLegacyCatalog(store, layout, log)).superseded).toEqual([key]);
    expect(topLevel(store)).toEqual(['plugins']);
  });

  it('lists nothing again once it has moved a location in this process', async () => {
    const store = new MemoryStore();
    await moveLegacyCatalog(store, layout, recorder());
    store.calls.length = 0;
    await moveLegacyCatalog(store, layout, recorder());
    expect(store.calls).toEqual([]);
  });
});

describe('the catalog writers and readers with an old catalog/ folder', () => {
  it('indexing a backup moves the old folder first, so the location has only folders Velero accepts', async () => {
    const store = new MemoryStore();
    await putLegacy(store, 'older');
    await putBackup(store, layout, 'b1', await buildBackup('b1', {}));
    expect(topLevel(store)).toEqual(['backups', 'catalog']);
    await indexBackup('b1', deps(store), noSleep);
    expect(topLevel(store)).toEqual(['backups', 'plugins']);
    expect((await listCatalog(store, layout)).entries.map((e) => e.name)).toEqual(['b1', 'older']);
  });

  it('lists entries still in the old folder before any writer moved them, the new folder winning for the same name', async () => {
    const store = new MemoryStore();
    await putLegacy(store, 'a-old');
    await putLegacy(store, 'same', { phase: 'Incomplete' });
    await store.put(layout.catalogKey('same'), JSON.stringify(entry('same', { phase: 'Completed' })));
    const { entries } = await listCatalog(store, layout);
    expect(entries.map((e) => [e.name, e.phase])).toEqual([['a-old', 'Completed'], ['same', 'Completed']]);
  });

  it('an expiry dry run leaves the old folder where it is; a real run moves it, then expires what it listed', async () => {
    const store = new MemoryStore();
    const key = await putLegacy(store, 'gone', { expires: '2026-02-01T00:00:00.000Z' });
    await expireBackups(deps(store), { dryRun: true, ...noSleep });
    expect([...store.objects.keys()]).toEqual([key]);
    const real = await expireBackups(deps(store), noSleep);
    expect(real.actions).toEqual([expect.objectContaining({ backup: 'gone', action: 'deleted', keys: [layout.catalogKey('gone')] })]);
    expect([...store.objects.keys()]).toEqual([]);
  });
});
