import { describe, expect, it } from 'vitest';
import { readCatalogEntry } from '../../../lib/catalog/catalog-entry.js';
import { DeleteDeniedError } from '../../../lib/catalog/errors.js';
import { deleteDenialOf, expireBackups, protectionOf } from '../../../lib/catalog/expire.js';
import { indexBackup } from '../../../lib/catalog/index-backup.js';
import { silentLog, type CatalogDeps } from '../../../lib/catalog/types.js';
import { StoreError } from '../../../lib/store/errors.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { buildBackup, putBackup, type FixtureOptions } from '../../support/backup-fixture.js';
import { MemoryStore } from '../../support/memory-store.js';

const layout = new BucketLayout('');
const NOW = new Date('2026-03-01T00:00:00Z');
const PAST = new Date('2026-02-01T00:00:00Z');
const FUTURE = new Date('2026-04-01T00:00:00Z');
const noSleep = { sleep: async () => undefined };

function deps(store: MemoryStore): CatalogDeps {
  return { store, layout, now: () => NOW, log: silentLog };
}

/** Puts a backup and indexes it, as the bucket would hold it. */
async function backup(store: MemoryStore, name: string, o: FixtureOptions & { skip?: string[]; index?: boolean } = {}): Promise<string[]> {
  const keys = await putBackup(store, layout, name, await buildBackup(name, o), o.skip);
  if (o.index ?? true) await indexBackup(name, deps(store), noSleep);
  return keys;
}

const keysUnder = (store: MemoryStore, name: string) => [...store.objects.keys()].filter((k) => k.startsWith(`backups/${name}/`)).sort();

describe('expireBackups', () => {
  it('deletes exactly the files of expired backups, the manifest first, then their catalog entries', async () => {
    const store = new MemoryStore();
    await backup(store, 'old', { expires: PAST });
    await backup(store, 'young', { expires: FUTURE });
    const report = await expireBackups(deps(store), noSleep);
    expect(report.kept).toBe(1);
    expect(report.actions).toEqual([{
      backup: 'old', expires: PAST.toISOString(), action: 'deleted', protected: [],
      keys: ['backups/old/ferry-manifest.json', 'backups/old/velero-backup.json', 'backups/old/old-resource-list.json.gz',
        'backups/old/old-results.gz', 'backups/old/old.tar.gz', 'plugins/ferry/catalog/backups/old.json'],
    }]);
    expect(keysUnder(store, 'old')).toEqual([]);
    expect(await store.head(layout.catalogKey('old'))).toBeUndefined();
    expect(keysUnder(store, 'young')).toHaveLength(5);
    expect((await readCatalogEntry(store, layout, 'young')).entry?.phase).toBe('Completed');
    const deletes = store.calls.filter((c) => c.startsWith('delete backups/old/'));
    expect(deletes[0]).toBe('delete backups/old/ferry-manifest.json');
  });

  it('lists what a dry run would delete and changes nothing', async () => {
    const store = new MemoryStore();
    await backup(store, 'old', { expires: PAST });
    const before = new Map(store.objects);
    store.calls.length = 0;
    const report = await expireBackups(deps(store), { dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.actions).toEqual([expect.objectContaining({ backup: 'old', action: 'would-delete' })]);
    expect(report.actions[0]!.keys).toEqual(['backups/old/ferry-manifest.json', 'backups/old/velero-backup.json',
      'backups/old/old-resource-list.json.gz', 'backups/old/old-results.gz', 'backups/old/old.tar.gz', 'plugins/ferry/catalog/backups/old.json']);
    expect(store.calls.filter((c) => c.startsWith('put') || c.startsWith('delete'))).toEqual([]);
    expect(store.objects).toEqual(before);
  });

  it.each<[string, FixtureOptions & { skip?: string[] }, RegExp]>([
    ['a Velero backup whose velero-backup.json says InProgress', { ferry: false, phase: 'InProgress' }, /still in progress: velero-backup.json says phase InProgress/],
    ['a Ferry backup whose manifest has not been written', { skip: ['ferry-manifest.json'] }, /still in progress: ferry-manifest.json has not been written yet/],
    ['a backup whose Backup object has an unknown phase', { ferry: false, phase: 'Deleting' }, /still in progress: velero-backup.json says phase Deleting/],
  ])('never deletes %s, even past its expiration', async (_case, o, reason) => {
    const store = new MemoryStore();
    const keys = await backup(store, 'busy', { expires: PAST, ...o });
    const report = await expireBackups(deps(store), noSleep);
    expect(report.actions).toEqual([expect.objectContaining({ backup: 'busy', action: 'skipped', keys: [] })]);
    expect(report.actions[0]!.reason).toMatch(reason);
    expect(keysUnder(store, 'busy')).toEqual(keys.sort());
  });

  /** Makes every file of a backup look last written `hours` before NOW. */
  const quiet = (store: MemoryStore, name: string, hours: number) => {
    for (const [key, o] of store.objects) if (key.startsWith(`backups/${name}/`)) o.lastModified = new Date(NOW.getTime() - hours * 3_600_000);
  };

  it('deletes an expired Ferry backup whose writer is gone (still InProgress, nothing written for six hours), saying so', async () => {
    const store = new MemoryStore();
    await backup(store, 'dead', { expires: PAST, phase: 'InProgress', skip: ['ferry-manifest.json'], index: false });
    quiet(store, 'dead', 7);
    const [action] = (await expireBackups(deps(store), noSleep)).actions;
    expect(action).toMatchObject({ backup: 'dead', action: 'deleted' });
    expect(action!.reason).toBe('abandoned: velero-backup.json says phase InProgress, and no file of it was written for 6 hours');
    expect(keysUnder(store, 'dead')).toEqual([]);
  });

  it.each<[string, FixtureOptions & { skip?: string[] }, number]>([
    ['a Ferry backup still InProgress with a file written an hour ago', { phase: 'InProgress', skip: ['ferry-manifest.json'] }, 1],
    ['a Velero backup still InProgress, untouched for days (Velero\'s server owns it)', { ferry: false, phase: 'InProgress' }, 72],
  ])('keeps %s, though expired', async (_case, o, hours) => {
    const store = new MemoryStore();
    const keys = await backup(store, 'busy', { expires: PAST, index: false, ...o });
    quiet(store, 'busy', hours);
    expect((await expireBackups(deps(store), noSleep)).actions).toEqual([expect.objectContaining({ backup: 'busy', action: 'skipped' })]);
    expect(keysUnder(store, 'busy')).toEqual(keys.sort());
  });

  it('deletes a Ferry backup that failed without a manifest once it expires', async () => {
    const store = new MemoryStore();
    await backup(store, 'failed', { expires: PAST, phase: 'Failed', skip: ['ferry-manifest.json'] });
    expect((await expireBackups(deps(store), noSleep)).actions[0]).toMatchObject({ backup: 'failed', action: 'deleted' });
    expect(keysUnder(store, 'failed')).toEqual([]);
  });

  it('reports a protected manifest, deletes nothing of that backup and puts its catalog entry back', async () => {
    const store = new MemoryStore();
    const keys = await backup(store, 'held', { expires: PAST });
    const entryBefore = (await readCatalogEntry(store, layout, 'held')).entry;
    store.protectedKeys.add('backups/held/ferry-manifest.json');
    const report = await expireBackups(deps(store), noSleep);
    expect(report.actions).toEqual([{
      backup: 'held', expires: PAST.toISOString(), action: 'protected', keys: [],
      protected: [{ key: 'backups/held/ferry-manifest.json', reason: 'AccessDenied: Access Denied because object protected by object lock.' }],
    }]);
    expect(keysUnder(store, 'held')).toEqual(keys.sort());
    expect((await readCatalogEntry(store, layout, 'held')).entry).toEqual(entryBefore);
  });

  it('deletes what it may when one later object is protected, keeps the entry Deleting, and finishes on a later run', async () => {
    const store = new MemoryStore();
    await backup(store, 'half', { expires: PAST });
    store.protectedKeys.add('backups/half/half.tar.gz');
    const first = await expireBackups(deps(store), noSleep);
    expect(first.actions[0]).toMatchObject({ action: 'partly-deleted', protected: [{ key: 'backups/half/half.tar.gz' }] });
    expect(keysUnder(store, 'half')).toEqual(['backups/half/half.tar.gz']);
    const entry = (await readCatalogEntry(store, layout, 'half')).entry!;
    expect(entry.phase).toBe('Deleting');
    expect(entry.problems[0]).toMatch(/^backups\/half\/half.tar.gz could not be deleted: AccessDenied/);
    // The index must not resurrect it meanwhile, even though its manifest is gone.
    expect((await indexBackup('half', deps(store), noSleep)).action).toBe('deleting');
    store.protectedKeys.clear();
    const second = await expireBackups(deps(store), noSleep);
    expect(second.actions).toEqual([expect.objectContaining({ backup: 'half', action: 'deleted', keys: ['backups/half/half.tar.gz', 'plugins/ferry/catalog/backups/half.json'] })]);
    expect(await store.head(layout.catalogKey('half'))).toBeUndefined();
  });

  it('takes the expiration from the catalog entry when velero-backup.json is unreadable', async () => {
    const store = new MemoryStore();
    await backup(store, 'b1', { expires: PAST });
    await store.put('backups/b1/velero-backup.json', '{"truncated":');
    expect((await expireBackups(deps(store), noSleep)).actions[0]).toMatchObject({ backup: 'b1', action: 'deleted', expires: PAST.toISOString() });
  });

  it('deletes the catalog entry of an expired backup whose files are already gone', async () => {
    const store = new MemoryStore();
    await backup(store, 'ghost', { expires: PAST });
    for (const k of keysUnder(store, 'ghost')) await store.delete(k);
    const report = await expireBackups(deps(store), noSleep);
    expect(report.actions).toEqual([expect.objectContaining({ backup: 'ghost', action: 'deleted', keys: ['plugins/ferry/catalog/backups/ghost.json'] })]);
    expect(await store.head(layout.catalogKey('ghost'))).toBeUndefined();
  });

  it('skips a backup with no known expiration and says why', async () => {
    const store = new MemoryStore();
    await store.put('backups/mystery/mystery.tar.gz', 'x');
    const report = await expireBackups(deps(store), noSleep);
    expect(report.actions).toEqual([expect.objectContaining({ backup: 'mystery', action: 'skipped', reason: expect.stringMatching(/no expiration is known/) })]);
    expect(await store.head('backups/mystery/mystery.tar.gz')).toBeDefined();
  });

  it('reports a backup whose deletion fails for another reason as failed and goes on with the others', async () => {
    const store = new MemoryStore();
    await backup(store, 'a-broken', { expires: PAST });
    await backup(store, 'b-fine', { expires: PAST });
    const del = store.delete.bind(store);
    store.delete = async (key) => {
      if (key.startsWith('backups/a-broken/')) throw new StoreError('delete', key, { cause: Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }) });
      return del(key);
    };
    const report = await expireBackups(deps(store), noSleep);
    expect(report.actions.map((a) => `${a.backup} ${a.action}`)).toEqual(['a-broken failed', 'b-fine deleted']);
  });
});

describe('expireBackups without permission to delete', () => {
  it('stops the run with DeleteDeniedError, deletes nothing and puts the catalog entry back, instead of calling it a lock', async () => {
    const store = new MemoryStore();
    const keys = await backup(store, 'a-old', { expires: PAST });
    await backup(store, 'b-old', { expires: PAST });
    const before = (await readCatalogEntry(store, layout, 'a-old')).entry;
    const calls: string[] = [];
    store.delete = async (key) => {
      calls.push(key);
      throw new StoreError('delete', key, { cause: Object.assign(new Error('Access Denied.'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }) });
    };
    const err = await expireBackups(deps(store), noSleep).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeleteDeniedError);
    expect((err as Error).message).toBe('cannot delete backups/a-old/ferry-manifest.json: AccessDenied: Access Denied. This is not an object lock: '
      + 'the credentials expire runs with need s3:DeleteObject on the backups');
    expect((err as Error).cause).toBeInstanceOf(StoreError);
    expect(calls).toEqual(['backups/a-old/ferry-manifest.json']);
    expect(keysUnder(store, 'a-old')).toEqual([...keys].sort());
    expect((await readCatalogEntry(store, layout, 'a-old')).entry).toEqual(before);
  });
});

describe('protectionOf and deleteDenialOf', () => {
  const answer = (cause: Record<string, unknown>) => new StoreError('delete', 'k', { cause: Object.assign(new Error(String(cause.message)), cause) });

  it.each([
    ['S3 AccessDenied for an object under object lock', { name: 'AccessDenied', message: 'Access Denied because object protected by object lock.' }, 'AccessDenied: Access Denied because object protected by object lock.'],
    ['an ObjectLocked code', { name: 'ObjectLocked', message: 'locked' }, 'ObjectLocked: locked'],
    ['a refusal that names a legal hold', { name: 'AccessDenied', message: 'object is under legal hold' }, 'AccessDenied: object is under legal hold'],
  ])('calls %s a protection', (_case, cause, reason) => {
    expect(protectionOf(answer(cause))).toBe(reason);
  });

  it.each([
    ['a plain AccessDenied (the role lacks s3:DeleteObject)', { name: 'AccessDenied', message: 'Access Denied.' }, 'AccessDenied: Access Denied.'],
    ['AWS\'s explicit message for a missing permission', { name: 'AccessDenied', message: 'User: arn:aws:sts::1:assumed-role/x is not authorized to perform: s3:DeleteObject because no identity-based policy allows the s3:DeleteObject action' }, /^AccessDenied: User: .*s3:DeleteObject/],
    ['a 403 without a code', { name: 'Unknown', message: 'Forbidden', $metadata: { httpStatusCode: 403 } }, 'Unknown: Forbidden'],
  ])('calls %s a denial, not a protection', (_case, cause, reason) => {
    expect(protectionOf(answer(cause))).toBeUndefined();
    expect(deleteDenialOf(answer(cause))).toMatch(reason);
  });

  it('calls a network failure neither', () => {
    const err = answer({ name: 'ECONNRESET', message: 'reset' });
    expect(protectionOf(err)).toBeUndefined();
    expect(deleteDenialOf(err)).toBeUndefined();
  });
});
