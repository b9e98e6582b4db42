import { describe, expect, it } from 'vitest';
import { buildVeleroBackup, type BackupPhase } from '../../../lib/backup/velero-backup.js';
import { ABANDON_GRACE_MS, settleAbandoned } from '../../../lib/catalog/abandoned.js';
import { readCatalogEntry } from '../../../lib/catalog/catalog-entry.js';
import { expireBackups } from '../../../lib/catalog/expire.js';
import { indexBackup } from '../../../lib/catalog/index-backup.js';
import { silentLog } from '../../../lib/catalog/types.js';
import { parseBackupSpec } from '../../../lib/spec/backup-spec.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { MemoryStore } from '../../support/memory-store.js';

const layout = new BucketLayout('');
const STARTED = new Date('2026-03-01T10:00:00Z');
const DEADLINE = new Date('2026-03-01T10:15:00Z');
const AFTER = new Date(DEADLINE.getTime() + ABANDON_GRACE_MS);

interface Fixture { phase?: BackupPhase; deadline?: Date | null; ferry?: boolean; manifest?: boolean }

/** A backup's velero-backup.json as its writer left it, with an open multipart upload of its tarball. */
async function leftover(store: MemoryStore, name: string, f: Fixture = {}): Promise<void> {
  const spec = parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name }, spec: {} }, 'test');
  const object = buildVeleroBackup(spec, { phase: f.phase ?? 'InProgress', startedAt: STARTED, expiresAt: new Date('2026-04-01T00:00:00Z'),
    totalItems: 0, itemsBackedUp: 0, warnings: 0, errors: 0 }, { storageLocation: 'default', ...(f.deadline === null ? {} : { deadline: f.deadline ?? DEADLINE }) });
  if (f.ferry === false) object.metadata.annotations = {};
  await store.put(layout.backupKey(name, 'backup'), JSON.stringify(object));
  if (f.manifest) await store.put(layout.backupKey(name, 'manifest'), '{}');
  store.openUploads.push({ key: layout.backupKey(name, 'tarball'), uploadId: `u-${name}`, initiated: STARTED });
}

const deps = (store: MemoryStore, now = AFTER) => ({ store, layout, now: () => now, log: silentLog });
const phaseOf = (store: MemoryStore, name: string) => (store.json(layout.backupKey(name, 'backup')).status as { phase: string }).phase;

describe('settleAbandoned', () => {
  it('records Failed a Ferry backup still InProgress past its deadline and aborts its uploads, and only its', async () => {
    const store = new MemoryStore();
    await leftover(store, 'dead');
    await leftover(store, 'alive', { deadline: new Date('2026-03-01T11:00:00Z') });
    expect(await settleAbandoned('dead', deps(store))).toEqual({ backup: 'dead', abortedUploads: ['backups/dead/dead.tar.gz'],
      reason: 'its writer stopped before it finished: still InProgress after its deadline 2026-03-01T10:15:00.000Z' });
    expect(store.json(layout.backupKey('dead', 'backup'))).toMatchObject({ status: { phase: 'Failed', completionTimestamp: '2026-03-01T10:17:00Z',
      failureReason: expect.stringContaining('writer stopped') as string } });
    expect(store.openUploads.map((u) => u.uploadId)).toEqual(['u-alive']);
  });

  it.each<[string, Fixture, Date]>([
    ['a backup within the grace after its deadline (its writer may be recording its failure)', {}, new Date(AFTER.getTime() - 1)],
    ['a backup with a manifest (committed)', { manifest: true }, AFTER],
    ['a backup already Failed', { phase: 'Failed' }, AFTER],
    ['a Completed backup', { phase: 'Completed' }, AFTER],
    ['a Velero backup (Velero\'s server owns it)', { ferry: false }, AFTER],
    ['a Ferry backup written before writers recorded a deadline (expiry\'s older rule applies)', { deadline: null }, AFTER],
  ])('leaves %s as it is', async (_case, fixture, now) => {
    const store = new MemoryStore();
    await leftover(store, 'b', fixture);
    const before = store.text(layout.backupKey('b', 'backup'));
    expect(await settleAbandoned('b', deps(store, now))).toBeUndefined();
    expect(store.text(layout.backupKey('b', 'backup'))).toBe(before);
    expect(store.openUploads).toHaveLength(1);
  });

  it('lets a writer that records its own outcome meanwhile win (If-Match on what was read)', async () => {
    const store = new MemoryStore();
    await leftover(store, 'racing');
    store.beforePut = async (key, options) => {
      store.beforePut = undefined;
      if (options.ifMatch) await store.put(key, store.text(key).replace('"InProgress"', '"Completed"'));
    };
    expect(await settleAbandoned('racing', deps(store))).toBeUndefined();
    expect(phaseOf(store, 'racing')).toBe('Completed');
  });

  it('the index records an abandoned backup Failed and catalogs it Failed', async () => {
    const store = new MemoryStore();
    await leftover(store, 'dead');
    expect(await indexBackup('dead', deps(store))).toMatchObject({ action: 'written', phase: 'Failed' });
    expect((await readCatalogEntry(store, layout, 'dead')).entry).toMatchObject({ phase: 'Failed' });
    expect(store.openUploads).toEqual([]);
  });
});

describe('expiry after writers', () => {
  it('records abandoned backups Failed and aborts uploads older than a day, keeping younger ones', async () => {
    const store = new MemoryStore();
    await leftover(store, 'dead');
    const now = new Date('2026-03-02T12:00:00Z');
    store.openUploads.push({ key: 'backups/other/other.tar.gz', uploadId: 'old', initiated: new Date('2026-03-01T11:59:59Z') },
      { key: 'backups/young/young.tar.gz', uploadId: 'young', initiated: new Date('2026-03-01T12:00:01Z') });
    const report = await expireBackups(deps(store, now));
    expect(report.settled.map((s) => s.backup)).toEqual(['dead']);
    expect(report.abortedUploads).toEqual(['backups/other/other.tar.gz']);
    expect(store.openUploads.map((u) => u.uploadId)).toEqual(['young']);
    expect(phaseOf(store, 'dead')).toBe('Failed');
  });

  it('a dry run lists the old uploads and changes nothing', async () => {
    const store = new MemoryStore();
    await leftover(store, 'dead');
    const report = await expireBackups(deps(store, new Date('2026-03-05T00:00:00Z')), { dryRun: true });
    expect(report).toMatchObject({ settled: [], abortedUploads: ['backups/dead/dead.tar.gz'] });
    expect(store.openUploads).toHaveLength(1);
    expect(phaseOf(store, 'dead')).toBe('InProgress');
  });
});
