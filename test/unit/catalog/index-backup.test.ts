import { describe, expect, it } from 'vitest';
import { readCatalogEntry, updateCatalogEntry } from '../../../lib/catalog/catalog-entry.js';
import { IndexRunError } from '../../../lib/catalog/errors.js';
import { indexBackup, indexEvent } from '../../../lib/catalog/index-backup.js';
import type { CatalogDeps, Log } from '../../../lib/catalog/types.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { StoreError } from '../../../lib/store/errors.js';
import { buildBackup, putBackup } from '../../support/backup-fixture.js';
import { loadEvent, retargetS3Event, SAMPLE } from '../../support/events.js';
import { MemoryStore } from '../../support/memory-store.js';

const NAME = SAMPLE.backup;
const layout = new BucketLayout(SAMPLE.prefix);
const now = () => new Date('2026-01-10T08:05:00Z');
const noSleep = { sleep: async () => undefined };

function recordingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => { lines.push(`info ${m}`); }, warn: (m) => { lines.push(`warn ${m}`); } };
}

function deps(store: MemoryStore, log: Log = recordingLog()): CatalogDeps & { bucket: string } {
  return { store, layout, now, log, bucket: SAMPLE.bucket };
}

const tarGets = (store: MemoryStore) => store.calls.filter((c) => c.startsWith('get ') && c.endsWith('.tar.gz')).length;

describe('indexEvent', () => {
  it('judges the backup named by all records of an event once, and writes its catalog entry', async () => {
    const store = new MemoryStore();
    await putBackup(store, layout, NAME, await buildBackup(NAME));
    const result = await indexEvent(loadEvent('s3-backup-committed'), deps(store), noSleep);
    expect(result.outcomes).toEqual([{ backup: NAME, action: 'written', phase: 'Completed', problems: [] }]);
    expect(tarGets(store)).toBe(1);
    const { entry } = await readCatalogEntry(store, layout, NAME);
    expect(entry).toMatchObject({ name: NAME, phase: 'Completed', verified: true, sourceCluster: 'idc', counts: { items: 4 }, indexedAt: '2026-01-10T08:05:00.000Z' });
  });

  it('treats the same event delivered twice as a no-op the second time, without reading the tarball again', async () => {
    const store = new MemoryStore();
    await putBackup(store, layout, NAME, await buildBackup(NAME));
    await indexEvent(loadEvent('s3-backup-committed'), deps(store), noSleep);
    const before = store.text(layout.catalogKey(NAME));
    const again = await indexEvent(loadEvent('s3-backup-committed'), deps(store), noSleep);
    expect(again.outcomes).toEqual([{ backup: NAME, action: 'unchanged', phase: 'Completed', problems: [] }]);
    expect(tarGets(store)).toBe(1);
    expect(store.text(layout.catalogKey(NAME))).toBe(before);
  });

  it('judges a Ferry backup once, on its manifest: the tarball\'s event before it is left, velero-backup.json\'s after it finds it unchanged', async () => {
    const store = new MemoryStore();
    const files = await buildBackup(NAME);
    const event = loadEvent<{ Records: unknown[] }>('s3-backup-committed');
    const only = (i: number) => ({ Records: [event.Records[i]] });
    await putBackup(store, layout, NAME, files, ['ferry-manifest.json']);
    const early = await indexEvent(only(0), deps(store), noSleep);
    expect(early.outcomes).toEqual([]);
    expect(early.ignored).toEqual([{ key: `${layout.backupPrefix(NAME)}${NAME}.tar.gz`, reason: expect.stringMatching(/Ferry backup still being written .*ferry-manifest.json judges it/) }]);
    expect(tarGets(store)).toBe(0);
    expect((await readCatalogEntry(store, layout, NAME)).entry).toBeUndefined();
    await putBackup(store, layout, NAME, files.filter(([f]) => f === 'ferry-manifest.json'));
    expect((await indexEvent(only(2), deps(store), noSleep)).outcomes[0]).toMatchObject({ action: 'written', phase: 'Completed' });
    expect((await indexEvent(only(1), deps(store), noSleep)).outcomes[0]).toMatchObject({ action: 'unchanged', phase: 'Completed' });
    expect(tarGets(store)).toBe(1);
  });

  it.each([
    ['a Ferry backup that failed, on the velero-backup.json that records the failure (it writes no manifest)',
      { phase: 'Failed', failureReason: 'the bucket failed' }, 'velero-backup.json', 'Failed'],
    ['a Velero backup on its velero-backup.json, written before its tarball', { ferry: false }, 'velero-backup.json', 'Incomplete'],
    ['a Velero backup on its tarball, once velero-backup.json is there', { ferry: false }, `${NAME}.tar.gz`, 'Completed'],
  ] as const)('judges %s', async (_case, options, file, phase) => {
    const store = new MemoryStore();
    const files = (await buildBackup(NAME, options)).filter(([f]) => f !== 'ferry-manifest.json');
    // Up to and including the file whose event this is, in the order Velero writes (velero-backup.json first).
    const order = ['velero-backup.json', `${NAME}.tar.gz`];
    await putBackup(store, layout, NAME, files.filter(([f]) => order.indexOf(f) >= 0 && order.indexOf(f) <= order.indexOf(file)));
    const event = retargetS3Event(loadEvent('s3-backup-committed'), { backup: NAME });
    const records = { Records: (event.Records as { s3: { object: { key: string } } }[]).filter((r) => r.s3.object.key.endsWith(`/${file}`)) };
    const result = await indexEvent(records, deps(store), noSleep);
    expect(result.outcomes).toEqual([expect.objectContaining({ action: 'written', phase })]);
  });

  it('judges a committed Ferry backup again when one of its files is replaced after the commit, and finds it Corrupt', async () => {
    const store = new MemoryStore();
    const files = await buildBackup(NAME);
    await putBackup(store, layout, NAME, files);
    const event = loadEvent<{ Records: unknown[] }>('s3-backup-committed');
    expect((await indexEvent({ Records: [event.Records[2]] }, deps(store), noSleep)).outcomes[0]).toMatchObject({ phase: 'Completed' });
    const tar = files.find(([f]) => f === `${NAME}.tar.gz`)![1];
    await store.put(`${layout.backupPrefix(NAME)}${NAME}.tar.gz`, Buffer.concat([tar.subarray(0, 10), Buffer.from([tar[10]! ^ 1]), tar.subarray(11)]));
    expect((await indexEvent({ Records: [event.Records[0]] }, deps(store), noSleep)).outcomes[0]).toMatchObject({ action: 'written', phase: 'Corrupt' });
  });

  it('does not judge a Ferry backup on the velero-backup.json that claims its name (phase InProgress)', async () => {
    const store = new MemoryStore();
    const files = (await buildBackup(NAME, { phase: 'InProgress' })).filter(([f]) => f === 'velero-backup.json');
    await putBackup(store, layout, NAME, files);
    const event = loadEvent<{ Records: unknown[] }>('s3-backup-committed');
    const result = await indexEvent({ Records: [event.Records[1]] }, deps(store), noSleep);
    expect(result.outcomes).toEqual([]);
    expect(result.ignored[0]!.reason).toMatch(/velero-backup.json says InProgress/);
  });

  it('logs each ignored record and indexes nothing for objects outside any backup', async () => {
    const store = new MemoryStore();
    const log = recordingLog();
    const result = await indexEvent(loadEvent('s3-objects-not-in-a-backup'), deps(store, log), noSleep);
    expect(result.outcomes).toEqual([]);
    expect(result.ignored).toHaveLength(4);
    expect(log.lines.filter((l) => l.startsWith('info ignored '))).toHaveLength(4);
    expect(store.calls.filter((c) => c.startsWith('put'))).toEqual([]);
  });

  it('indexes the other backups of an event when one fails, then throws so that the event is retried', async () => {
    const store = new MemoryStore();
    await putBackup(store, layout, NAME, await buildBackup(NAME));
    await putBackup(store, layout, 'other-1', await buildBackup('other-1'));
    const event = loadEvent<{ Records: unknown[] }>('s3-backup-committed');
    const both = { Records: [...event.Records, ...retargetS3Event(event, { backup: 'other-1' }).Records] };
    const get = store.getBytes.bind(store);
    store.getBytes = async (key) => {
      if (key.includes(`/${NAME}/`)) throw new StoreError('get', key, { cause: new Error('connection reset') });
      return get(key);
    };
    const err = await indexEvent(both, deps(store), noSleep).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndexRunError);
    expect((err as IndexRunError).failures.map((f) => f.backup)).toEqual([NAME]);
    expect((await readCatalogEntry(store, layout, 'other-1')).entry?.phase).toBe('Completed');
  });
});

describe('indexBackup', () => {
  it('lets two runs at once on one backup both finish, with one judgement stored', async () => {
    const store = new MemoryStore();
    await putBackup(store, layout, NAME, await buildBackup(NAME));
    const outcomes = await Promise.all([indexBackup(NAME, deps(store), noSleep), indexBackup(NAME, deps(store), noSleep)]);
    expect(outcomes.map((o) => o.phase)).toEqual(['Completed', 'Completed']);
    expect(outcomes.map((o) => o.action).sort()).toEqual(['unchanged', 'written']);
    expect((await readCatalogEntry(store, layout, NAME)).entry?.phase).toBe('Completed');
  });

  it('never lets a run that judged older files overwrite the judgement of newer ones', async () => {
    const store = new MemoryStore();
    const files = await buildBackup(NAME);
    await putBackup(store, layout, NAME, files, ['ferry-manifest.json']);
    // Run A judges the backup without its manifest; before it writes, the manifest lands and run B indexes it.
    store.beforePut = async () => {
      store.beforePut = undefined;
      await putBackup(store, layout, NAME, files.filter(([f]) => f === 'ferry-manifest.json'));
      expect((await indexBackup(NAME, deps(store), noSleep)).phase).toBe('Completed');
    };
    const a = await indexBackup(NAME, deps(store), noSleep);
    expect(a).toMatchObject({ action: 'unchanged', phase: 'Completed' });
    expect((await readCatalogEntry(store, layout, NAME)).entry?.phase).toBe('Completed');
  });

  it('leaves an entry alone while expiry is deleting its backup', async () => {
    const store = new MemoryStore();
    await putBackup(store, layout, NAME, await buildBackup(NAME));
    await indexBackup(NAME, deps(store), noSleep);
    await updateCatalogEntry(store, layout, NAME, async (c) => ({ write: { ...c!, phase: 'Deleting' } }), noSleep);
    await store.put(`${layout.backupPrefix(NAME)}${NAME}-logs.gz`, 'late');
    expect(await indexBackup(NAME, deps(store), noSleep)).toEqual({ backup: NAME, action: 'deleting', phase: 'Deleting' });
    expect((await readCatalogEntry(store, layout, NAME)).entry?.phase).toBe('Deleting');
  });

  it('writes nothing for a backup whose files are gone by the time its event arrives', async () => {
    const store = new MemoryStore();
    expect(await indexBackup(NAME, deps(store), noSleep)).toEqual({ backup: NAME, action: 'gone' });
    expect(store.calls.filter((c) => c.startsWith('put'))).toEqual([]);
  });

  it('judges again when forced, even though the files have not changed', async () => {
    const store = new MemoryStore();
    await putBackup(store, layout, NAME, await buildBackup(NAME));
    await indexBackup(NAME, deps(store), noSleep);
    expect(await indexBackup(NAME, deps(store), { ...noSleep, force: true })).toMatchObject({ action: 'written' });
    expect(tarGets(store)).toBe(2);
  });

  it('judges again from a fresh listing when a file is replaced while it is being read', async () => {
    const store = new MemoryStore();
    const files = await buildBackup(NAME);
    await putBackup(store, layout, NAME, files);
    const get = store.get.bind(store);
    let replaced = false;
    store.get = async (key) => {
      if (!replaced && key.endsWith('.tar.gz')) {
        replaced = true;
        // The same bytes uploaded again as a multipart upload: a new ETag.
        store.objects.set(key, { ...store.objects.get(key)!, etag: '"0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f-2"' });
      }
      return get(key);
    };
    const log = recordingLog();
    expect(await indexBackup(NAME, deps(store, log), noSleep)).toMatchObject({ action: 'written', phase: 'Completed' });
    expect(log.lines.some((l) => l.includes('changed while it was validated'))).toBe(true);
  });
});
