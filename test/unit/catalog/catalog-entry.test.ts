import { describe, expect, it } from 'vitest';
import {
  entryFromVerdict, fingerprintOf, listCatalog, parseCatalogEntry, readCatalogEntry, updateCatalogEntry, type CatalogEntry,
} from '../../../lib/catalog/catalog-entry.js';
import { CatalogWriteError } from '../../../lib/catalog/errors.js';
import type { Verdict } from '../../../lib/catalog/validate.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { MemoryStore } from '../../support/memory-store.js';

const layout = new BucketLayout('p');
const noSleep = { sleep: async () => undefined };

function verdict(over: Partial<Verdict> = {}): Verdict {
  return {
    name: 'b1', phase: 'Completed', verified: true, format: 'ferry', problems: [], size: 300,
    files: [{ key: 'p/backups/b1/velero-backup.json', size: 100, etag: '"a"' }, { key: 'p/backups/b1/b1.tar.gz', size: 200, etag: '"b"' }],
    counts: { items: 2, cluster: 0, byNamespace: { default: 2 }, byResource: { configmaps: 2 } },
    backup: { ferry: true, phase: 'Completed', created: '2026-01-10T08:00:00.000Z', expires: '2026-02-09T08:00:00.000Z', sourceCluster: 'idc', warnings: 0, errors: 0 },
    committedAt: '2026-01-10T08:01:00.000Z',
    ...over,
  };
}

function entry(phase: CatalogEntry['phase'], over: Partial<CatalogEntry> = {}): CatalogEntry {
  return { ...entryFromVerdict(verdict(), new Date('2026-01-10T08:02:00Z')), phase, ...over };
}

describe('entryFromVerdict', () => {
  it('keeps what the catalog promises: name, source cluster, phase, created, expires, counts, size, verified, problems', () => {
    expect(entryFromVerdict(verdict(), new Date('2026-01-10T08:02:00Z'))).toEqual({
      apiVersion: 'ferry.dev/v1', kind: 'CatalogEntry', name: 'b1', sourceCluster: 'idc', phase: 'Completed', backupPhase: 'Completed',
      format: 'ferry', created: '2026-01-10T08:00:00.000Z', completed: '2026-01-10T08:01:00.000Z', expires: '2026-02-09T08:00:00.000Z',
      counts: { items: 2, cluster: 0, byNamespace: { default: 2 }, byResource: { configmaps: 2 } }, size: 300, verified: true,
      problems: [], warnings: 0, errors: 0, indexedAt: '2026-01-10T08:02:00.000Z', fingerprint: fingerprintOf(verdict().files),
    });
  });

  it('gives an Incomplete backup without velero-backup.json empty counts and no times', () => {
    const e = entryFromVerdict(verdict({ phase: 'Incomplete', verified: false, backup: undefined, counts: undefined, committedAt: undefined }), new Date(0));
    expect(e.counts).toEqual({ items: 0, cluster: 0, byNamespace: {}, byResource: {} });
    expect(e).not.toHaveProperty('created');
    expect(e).not.toHaveProperty('expires');
  });
});

describe('fingerprintOf', () => {
  const files = verdict().files;

  it('does not depend on listing order', () => {
    expect(fingerprintOf([...files].reverse())).toBe(fingerprintOf(files));
  });

  it.each([
    ['an ETag', { etag: '"c"' }], ['a size', { size: 101 }], ['a key', { key: 'p/backups/b1/ferry-manifest.json' }],
  ])('changes when %s changes', (_what, change) => {
    expect(fingerprintOf([{ ...files[0]!, ...change }, files[1]!])).not.toBe(fingerprintOf(files));
  });
});

describe('parseCatalogEntry', () => {
  it('reads back what was written', () => {
    const e = entry('Completed');
    expect(parseCatalogEntry(JSON.stringify(e))).toEqual(e);
  });

  it.each([
    ['text that is not JSON', 'nope', /not JSON/],
    ['an object of another kind', JSON.stringify({ kind: 'Backup', name: 'b1', phase: 'Completed' }), /not a ferry.dev\/v1 CatalogEntry/],
    ['an entry with an unknown phase', JSON.stringify({ ...entry('Completed'), phase: 'Done' }), /not a ferry.dev\/v1 CatalogEntry/],
    ['an entry without counts', JSON.stringify({ ...entry('Completed'), counts: null }), /has no counts, size or problems/],
  ])('refuses %s', (_case, text, message) => {
    expect(() => parseCatalogEntry(text)).toThrow(message);
  });
});

describe('updateCatalogEntry', () => {
  it('creates a missing entry with If-None-Match and replaces it with If-Match on the ETag it read', async () => {
    const store = new MemoryStore();
    const seen: PutOptionsSeen[] = [];
    store.beforePut = (_key, options) => { seen.push({ ...options }); };
    await updateCatalogEntry(store, layout, 'b1', async () => ({ write: entry('Incomplete') }), noSleep);
    const first = (await readCatalogEntry(store, layout, 'b1')).etag;
    await updateCatalogEntry(store, layout, 'b1', async (current) => ({ write: { ...current!, phase: 'Completed' } }), noSleep);
    expect(seen).toEqual([{ contentType: 'application/json', ifNoneMatch: '*' }, { contentType: 'application/json', ifMatch: first }]);
    expect((await readCatalogEntry(store, layout, 'b1')).entry?.phase).toBe('Completed');
  });

  it('decides again on what the other writer wrote when it loses the race, and loses no update', async () => {
    const store = new MemoryStore();
    await updateCatalogEntry(store, layout, 'b1', async () => ({ write: entry('Completed', { problems: [] }) }), noSleep);
    let interfered = false;
    store.beforePut = async (key) => {
      if (interfered) return;
      interfered = true;
      const current = (await readCatalogEntry(store, layout, 'b1')).entry!;
      await store.put(key, JSON.stringify({ ...current, problems: [...current.problems, 'from the other writer'] }));
    };
    const seen: string[][] = [];
    const { attempts } = await updateCatalogEntry(store, layout, 'b1', async (current) => {
      seen.push(current!.problems);
      return { write: { ...current!, problems: [...current!.problems, 'from this writer'] } };
    }, noSleep);
    expect(attempts).toBe(2);
    expect(seen).toEqual([[], ['from the other writer']]);
    expect((await readCatalogEntry(store, layout, 'b1')).entry?.problems).toEqual(['from the other writer', 'from this writer']);
  });

  it('treats an entry created by another writer between the read and a create as a lost race', async () => {
    const store = new MemoryStore();
    store.beforePut = async (key, options) => {
      if (options.ifNoneMatch) { store.beforePut = undefined; await store.put(key, JSON.stringify(entry('Incomplete'))); }
    };
    const phases: (string | undefined)[] = [];
    await updateCatalogEntry(store, layout, 'b1', async (current) => { phases.push(current?.phase); return { write: entry('Completed') }; }, noSleep);
    expect(phases).toEqual([undefined, 'Incomplete']);
    expect((await readCatalogEntry(store, layout, 'b1')).entry?.phase).toBe('Completed');
  });

  it('gives up with CatalogWriteError when other writers win every attempt', async () => {
    const store = new MemoryStore();
    await updateCatalogEntry(store, layout, 'b1', async () => ({ write: entry('Completed') }), noSleep);
    store.beforePut = async (key) => { await store.objects.set(key, { ...store.objects.get(key)!, etag: `"${Math.random()}"` }); };
    await expect(updateCatalogEntry(store, layout, 'b1', async (c) => ({ write: c! }), { ...noSleep, attempts: 3 }))
      .rejects.toThrow(CatalogWriteError);
    expect(store.calls.filter((c) => c.startsWith('put')).length).toBe(4);
  });

  it('replaces an unreadable entry conditionally on its ETag', async () => {
    const store = new MemoryStore();
    const { etag } = await store.put(layout.catalogKey('b1'), 'garbage');
    let seen: string | undefined;
    store.beforePut = (_k, o) => { seen = o.ifMatch; };
    await updateCatalogEntry(store, layout, 'b1', async (current) => { expect(current).toBeUndefined(); return { write: entry('Completed') }; }, noSleep);
    expect(seen).toBe(etag);
  });

  it('deletes the entry on a delete decision and writes nothing on keep', async () => {
    const store = new MemoryStore();
    await updateCatalogEntry(store, layout, 'b1', async () => ({ write: entry('Deleting') }), noSleep);
    await updateCatalogEntry(store, layout, 'b1', async () => ({ keep: true }), noSleep);
    expect(store.calls.filter((c) => c.startsWith('put'))).toHaveLength(1);
    await updateCatalogEntry(store, layout, 'b1', async () => ({ delete: true }), noSleep);
    expect(await store.head(layout.catalogKey('b1'))).toBeUndefined();
  });
});

describe('listCatalog', () => {
  it('lists every entry in name order and reports unreadable ones by key', async () => {
    const store = new MemoryStore();
    await store.put(layout.catalogKey('b2'), JSON.stringify(entry('Completed', { name: 'b2' })));
    await store.put(layout.catalogKey('b1'), JSON.stringify(entry('Corrupt', { name: 'b1' })));
    await store.put(layout.catalogKey('b3'), '{');
    const { entries, unreadable } = await listCatalog(store, layout);
    expect(entries.map((e) => `${e.name} ${e.phase}`)).toEqual(['b1 Corrupt', 'b2 Completed']);
    expect(unreadable).toEqual(['p/plugins/ferry/catalog/backups/b3.json']);
  });
});

interface PutOptionsSeen { contentType?: string; ifNoneMatch?: '*'; ifMatch?: string }
