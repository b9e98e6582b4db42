import { describe, expect, it } from 'vitest';
import { deleteHandlerCore, expireHandlerCore, ExpireRunError, parseExpireEvent, parseExpireOrDeleteEvent, type ExpireLocation } from '../../../functions/expire.js';
import { silentLog } from '../../../lib/catalog/types.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { buildBackup, putBackup } from '../../support/backup-fixture.js';
import { loadEvent } from '../../support/events.js';
import { MemoryStore } from '../../support/memory-store.js';

const now = () => new Date('2026-03-01T00:00:00Z');
const PAST = new Date('2026-02-01T00:00:00Z');

function location(name: string, place: string, store: MemoryStore, prefix = ''): ExpireLocation & { opened: number } {
  const l = { name, place, opened: 0, open: () => { l.opened++; return { store, layout: new BucketLayout(prefix) }; } };
  return l;
}

describe('parseExpireEvent', () => {
  it.each<[string, Record<string, unknown>, unknown]>([
    ['an EventBridge schedule event deletes for real', loadEvent('expire-schedule'), { dryRun: false }],
    ['the dry-run input of a schedule only lists', loadEvent('expire-dry-run'), { dryRun: true }],
    ['a schedule event with a dry run in its detail only lists', { ...loadEvent('expire-schedule'), detail: { dryRun: true } }, { dryRun: true }],
    ['a payload naming locations limits the run to them', { locations: ['vault'] }, { dryRun: false, locations: ['vault'] }],
  ])('reads %s', (_case, event, request) => {
    expect(parseExpireEvent(event)).toEqual(request);
  });

  it.each([
    [{ dryRun: 'yes' }, /dryRun: expected true or false, got "yes"/],
    [{ locations: 'vault' }, /locations: expected a list of storage location names/],
  ])('refuses %j', (event, message) => {
    expect(() => parseExpireEvent(event)).toThrow(message);
  });
});

describe('expireHandlerCore', () => {
  it('expires every location once per place, reporting each', async () => {
    const store = new MemoryStore();
    await putBackup(store, new BucketLayout(''), 'old', await buildBackup('old', { expires: PAST }));
    const a = location('a', 'bucket-1 backups/', store);
    const alias = location('alias-of-a', 'bucket-1 backups/', store);
    const response = await expireHandlerCore({ dryRun: false }, { locations: [a, alias], now, log: silentLog });
    expect(response.locations.map((l) => `${l.location}: ${l.report.actions.map((x) => `${x.backup} ${x.action}`).join(', ')}`)).toEqual(['a: old deleted']);
    expect(alias.opened).toBe(0);
  });

  it('only lists in a dry run', async () => {
    const store = new MemoryStore();
    await putBackup(store, new BucketLayout(''), 'old', await buildBackup('old', { expires: PAST }));
    const response = await expireHandlerCore(parseExpireEvent(loadEvent('expire-dry-run')), { locations: [location('a', 'p', store)], now, log: silentLog });
    expect(response.locations[0]!.report.actions[0]).toMatchObject({ backup: 'old', action: 'would-delete' });
    expect(store.objects.size).toBe(5);
  });

  it('refuses a location name that is not configured', async () => {
    await expect(expireHandlerCore({ dryRun: true, locations: ['nope'] }, { locations: [location('a', 'p', new MemoryStore())], now, log: silentLog }))
      .rejects.toThrow('unknown storage locations: nope (known: a)');
  });

  it('throws ExpireRunError, after cleaning what it could, when a deletion fails for another reason than protection', async () => {
    const store = new MemoryStore();
    await putBackup(store, new BucketLayout(''), 'old', await buildBackup('old', { expires: PAST }));
    store.delete = async () => { throw new Error('socket hang up'); };
    const err = await expireHandlerCore({ dryRun: false }, { locations: [location('a', 'p', store)], now, log: silentLog }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExpireRunError);
    expect((err as Error).message).toBe('expiry failed for a/old: socket hang up');
  });
});

describe('delete requests', () => {
  it.each<[string, Record<string, unknown>, unknown]>([
    ['ACK\'s DeleteRequest as the event', loadEvent('delete-request'), { delete: { backup: 'nginx-backup', force: false } }],
    ['Velero\'s DeleteBackupRequest inside {deleteRequest}', { deleteRequest: { apiVersion: 'velero.io/v1', kind: 'DeleteBackupRequest', metadata: { name: 'x' }, spec: { backupName: 'b1', storageLocation: 'vault', force: true } } },
      { delete: { backup: 'b1', storageLocation: 'vault', force: true } }],
    ['an expiry event as before', { dryRun: true }, { dryRun: true }],
  ])('reads %s', (_case, event, request) => {
    expect(parseExpireOrDeleteEvent(event)).toEqual(request);
  });

  it('refuses a request that names no backup or another kind of object, with every problem', () => {
    expect(() => parseExpireOrDeleteEvent({ ...loadEvent('delete-request'), spec: { deleteObjectType: 'Restore', extra: 1 } }))
      .toThrow(/3 problems found:[\s\S]*spec.deleteObjectName: expected the name of a backup[\s\S]*spec.deleteObjectType: Ferry deletes backups only[\s\S]*spec.extra: unknown field/);
  });

  it('deletes the backup named in the default location, and fails for one that is not there', async () => {
    const store = new MemoryStore();
    await putBackup(store, new BucketLayout(''), 'nginx-backup', await buildBackup('nginx-backup'));
    const deps = { locations: [location('default', 'b', store)], now, log: silentLog, defaultLocation: 'default' };
    const response = await deleteHandlerCore({ backup: 'nginx-backup', force: false }, deps);
    expect(response).toMatchObject({ backup: 'nginx-backup', location: 'default', action: 'deleted', protected: [] });
    expect([...store.objects.keys()]).toEqual([]);
    await expect(deleteHandlerCore({ backup: 'nginx-backup', force: false }, deps)).rejects.toThrow('no backup named nginx-backup');
  });
});
