import { describe, expect, it } from 'vitest';
import { expireBackups } from '../../../lib/catalog/expire.js';
import { deleteBackup } from '../../../lib/catalog/delete-backup.js';
import { silentLog, type CatalogDeps } from '../../../lib/catalog/types.js';
import { VolumeDataKeptError, type RepositoryMaintenance, type SnapshotsDeleted, type VolumeDataExpirer } from '../../../lib/catalog/volume-data-expiry.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { VolumeExpiryError } from '../../../lib/volumes/errors.js';
import { buildBackup, putBackup } from '../../support/backup-fixture.js';
import { MemoryStore } from '../../support/memory-store.js';

const layout = new BucketLayout('');
const NOW = new Date('2026-03-01T00:00:00Z');
const PAST = new Date('2026-02-01T00:00:00Z');
const RECORD = JSON.stringify({ version: 1, engine: 'kopia', volumes: [{ namespace: 'app', claim: 'data', snapshotId: 'abc123', bytes: 1, files: 1, dirs: 1, symlinks: 0 }], failed: [] });

function deps(store: MemoryStore): CatalogDeps {
  return { store, layout, now: () => NOW, log: silentLog };
}

/** An expirer that records its calls and answers as told. */
class RecordingExpirer implements VolumeDataExpirer {
  calls: string[] = [];
  constructor(private readonly answer: SnapshotsDeleted | Error = { namespaces: ['app'], snapshots: ['abc123'], notes: [] }) {}

  async deleteSnapshots(backup: string, record: string): Promise<SnapshotsDeleted> {
    this.calls.push(`delete ${backup} ${JSON.parse(record).volumes[0].snapshotId}`);
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }

  async maintain(namespaces: readonly string[]): Promise<RepositoryMaintenance[]> {
    this.calls.push(`maintain ${namespaces.join(',')}`);
    return namespaces.map((namespace) => ({ namespace, action: 'ran' }));
  }
}

async function backupWithVolumeData(store: MemoryStore, name: string): Promise<void> {
  await putBackup(store, layout, name, await buildBackup(name, { expires: PAST }));
  await store.put(layout.backupKey(name, 'volumeData'), RECORD);
}

const filesOf = (store: MemoryStore, name: string) => [...store.objects.keys()].filter((k) => k.startsWith(`backups/${name}/`));

describe('expiry of a backup with volume data', () => {
  it('deletes its kopia snapshots before its files, then maintains the repositories they were in', async () => {
    const store = new MemoryStore();
    await backupWithVolumeData(store, 'old');
    const expirer = new RecordingExpirer();
    const report = await expireBackups(deps(store), { volumeData: expirer });
    expect(report.actions).toEqual([expect.objectContaining({ backup: 'old', action: 'deleted', snapshots: ['abc123'] })]);
    expect(filesOf(store, 'old')).toEqual([]);
    expect(expirer.calls).toEqual(['delete old abc123', 'maintain app']);
    expect(report.maintenance).toEqual([{ namespace: 'app', action: 'ran' }]);
  });

  it.each([
    ['the repository refuses the password', new VolumeExpiryError('backup old: the kopia repository of namespace app refused the repository password', 'wrong-password')],
    ['kopia cannot be run', new VolumeExpiryError('backup old: the kopia repository of namespace app could not be opened: no kopia binary', 'failed')],
  ])('keeps every file of the backup and names it when %s', async (_, error) => {
    const store = new MemoryStore();
    await backupWithVolumeData(store, 'old');
    const before = filesOf(store, 'old');
    const report = await expireBackups(deps(store), { volumeData: new RecordingExpirer(error) });
    expect(report.actions).toEqual([expect.objectContaining({ backup: 'old', action: 'failed', reason: error.message })]);
    expect(filesOf(store, 'old')).toEqual(before);
  });

  it('keeps a backup with volume data when its location has no volumeData settings to open the repository with', async () => {
    const store = new MemoryStore();
    await backupWithVolumeData(store, 'old');
    const report = await expireBackups(deps(store));
    expect(report.actions).toEqual([expect.objectContaining({ backup: 'old', action: 'failed', reason: expect.stringMatching(/^backup old holds volume data .* the backup is kept$/) })]);
    expect(filesOf(store, 'old')).toContain('backups/old/ferry-volume-data.json');
  });

  it('touches no repository in a dry run', async () => {
    const store = new MemoryStore();
    await backupWithVolumeData(store, 'old');
    const expirer = new RecordingExpirer();
    const report = await expireBackups(deps(store), { dryRun: true, volumeData: expirer });
    expect(report.actions).toEqual([expect.objectContaining({ backup: 'old', action: 'would-delete' })]);
    expect(expirer.calls).toEqual([]);
  });

  it('deletes the snapshots of a backup a user deletes, when given the expirer, and says which', async () => {
    const store = new MemoryStore();
    await backupWithVolumeData(store, 'gone');
    const expirer = new RecordingExpirer();
    const outcome = await deleteBackup('gone', deps(store), { volumeData: expirer });
    expect(outcome).toMatchObject({ action: 'deleted', snapshots: ['abc123'] });
    expect(expirer.calls).toEqual(['delete gone abc123', 'maintain app']);
    expect(filesOf(store, 'gone')).toEqual([]);
  });

  it.each([
    ['the repository refuses the password', new VolumeExpiryError('backup gone: the kopia repository of namespace app refused the repository password', 'wrong-password')],
    ['kopia cannot be run', new VolumeExpiryError('backup gone: the kopia repository of namespace app could not be opened: no kopia binary', 'failed')],
  ])('keeps every file and the catalog entry of a backup a user deletes when %s, naming the backup (VolumeDataKeptError)', async (_, error) => {
    const store = new MemoryStore();
    await backupWithVolumeData(store, 'gone');
    const before = [...store.objects.keys()].sort();
    const expirer = new RecordingExpirer(error);
    await expect(deleteBackup('gone', deps(store), { volumeData: expirer })).rejects.toThrow(new VolumeDataKeptError(`${error.message}: the backup is kept whole`));
    expect([...store.objects.keys()].sort()).toEqual(before);
    expect(expirer.calls).toEqual(['delete gone abc123']);
  });

  it('keeps a backup with volume data that a user deletes in a location without volumeData settings, saying so', async () => {
    const store = new MemoryStore();
    await backupWithVolumeData(store, 'gone');
    await expect(deleteBackup('gone', deps(store))).rejects.toThrow(/^backup gone holds volume data .* the backup is kept$/);
    expect(filesOf(store, 'gone')).toContain('backups/gone/ferry-volume-data.json');
  });

  it('deletes a backup without volume data whatever the location\'s settings', async () => {
    const store = new MemoryStore();
    await putBackup(store, layout, 'plain', await buildBackup('plain'));
    const outcome = await deleteBackup('plain', deps(store));
    expect(outcome.action).toBe('deleted');
    expect(outcome.snapshots).toBeUndefined();
  });
});
