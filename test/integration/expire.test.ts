// The expire function on the real stack: a dry run, then exactly the expired backups deleted; backups in progress
// kept, but for a Ferry backup whose writer is gone; objects under an S3 legal hold reported, never forced, and
// cleaned up once the hold is lifted.
import { afterAll, describe, expect, it } from 'vitest';
import { createExpireHandler, type ExpireResponse } from '../../functions/expire.js';
import { readCatalogEntry } from '../../lib/catalog/catalog-entry.js';
import { expireBackups } from '../../lib/catalog/expire.js';
import { indexBackup } from '../../lib/catalog/index-backup.js';
import { silentLog } from '../../lib/catalog/types.js';
import type { ObjectStore } from '../../lib/store/object-store.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { buildBackup, putBackup, type FixtureOptions } from '../support/backup-fixture.js';
import { stackRuntime } from '../support/catalog-stack.js';
import { lockedBucket } from '../support/locked-bucket.js';
import { loadEvent } from '../support/events.js';
import { freshName, stackStore } from '../support/stack.js';

const DAY = 86_400_000;
const PAST = new Date(Date.now() - DAY);
const FUTURE = new Date(Date.now() + 30 * DAY);
const context = { awsRequestId: 'test-request', functionName: 'ferry-expire' };

async function keysUnder(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  return keys.sort();
}

async function putIndexed(store: ObjectStore, layout: BucketLayout, name: string, o: FixtureOptions & { skip?: string[] }): Promise<void> {
  await putBackup(store, layout, name, await buildBackup(name, o), o.skip);
  await indexBackup(name, { store, layout, now: () => new Date(), log: silentLog });
}

describe('the expire function on the stack', () => {
  it('lists in a dry run, then deletes exactly the expired backups and their catalog entries, never one in progress', async () => {
    const prefix = freshName('expire');
    const layout = new BucketLayout(prefix);
    const store = stackStore();
    const handler = createExpireHandler(stackRuntime(prefix));
    await putIndexed(store, layout, 'old-ferry', { expires: PAST });
    await putIndexed(store, layout, 'old-velero', { expires: PAST, ferry: false });
    await putIndexed(store, layout, 'young', { expires: FUTURE });
    await putIndexed(store, layout, 'velero-running', { expires: PAST, ferry: false, phase: 'InProgress' });
    await putIndexed(store, layout, 'ferry-unfinished', { expires: PAST, skip: ['ferry-manifest.json'] });
    const before = await keysUnder(store, `${prefix}/`);

    const dry = await handler(loadEvent('expire-dry-run'), context) as ExpireResponse;
    const dryActions = dry.locations[0]!.report.actions;
    expect(dryActions.map((a) => `${a.backup} ${a.action}`)).toEqual([
      'ferry-unfinished skipped', 'old-ferry would-delete', 'old-velero would-delete', 'velero-running skipped']);
    expect(await keysUnder(store, `${prefix}/`)).toEqual(before);
    const doomed = dryActions.flatMap((a) => a.keys);
    expect(doomed).toContain(layout.catalogKey('old-ferry'));
    expect(doomed.filter((k) => k.includes('/backups/old-ferry/'))).toHaveLength(5);

    const real = await handler(loadEvent('expire-schedule'), context) as ExpireResponse;
    const actions = real.locations[0]!.report.actions;
    expect(actions.map((a) => `${a.backup} ${a.action}`)).toEqual([
      'ferry-unfinished skipped', 'old-ferry deleted', 'old-velero deleted', 'velero-running skipped']);
    expect(actions.find((a) => a.backup === 'ferry-unfinished')?.reason).toBe('still in progress: ferry-manifest.json has not been written yet');
    expect(real.locations[0]!.report.kept).toBe(1);
    expect(await keysUnder(store, `${prefix}/`)).toEqual(before.filter((k) => !doomed.includes(k)));
    expect(actions.flatMap((a) => a.keys).sort()).toEqual([...doomed].sort());
  });
});

describe('expiry of abandoned backups on the stack', () => {
  it('deletes an expired Ferry backup whose writer is gone once its files are six hours old, as the server dates them', async () => {
    const prefix = freshName('abandoned');
    const layout = new BucketLayout(prefix);
    const store = stackStore();
    await putIndexed(store, layout, 'ferry-dead', { expires: PAST, phase: 'InProgress', skip: ['ferry-manifest.json'] });
    await putIndexed(store, layout, 'velero-running', { expires: PAST, ferry: false, phase: 'InProgress' });
    const at = (hours: number) => ({ store, layout, now: () => new Date(Date.now() + hours * 3_600_000), log: silentLog });
    const soon = await expireBackups(at(1));
    expect(soon.actions.map((a) => `${a.backup} ${a.action}`)).toEqual(['ferry-dead skipped', 'velero-running skipped']);
    const later = await expireBackups(at(7));
    expect(later.actions.map((a) => `${a.backup} ${a.action}`)).toEqual(['ferry-dead deleted', 'velero-running skipped']);
    expect(later.actions[0]!.reason).toBe('abandoned: velero-backup.json says phase InProgress, and no file of it was written for 6 hours');
    expect(await keysUnder(store, `${prefix}/backups/ferry-dead/`)).toEqual([]);
    expect(await keysUnder(store, `${prefix}/backups/velero-running/`)).not.toEqual([]);
  });
});

describe('the expire function and S3 object lock', () => {
  const { bucket: locked, store, hold, create, remove } = lockedBucket('ferry-lock');
  const layout = new BucketLayout('');

  afterAll(remove);

  it('reports objects under legal hold instead of forcing, and finishes the deletion once the holds are lifted', async () => {
    await create();
    const handler = createExpireHandler(stackRuntime(freshName('unused'), { locked: { bucket: locked, prefix: '' } }));
    const run = async () => ((await handler({ dryRun: false, locations: ['locked'] }, context)) as ExpireResponse).locations[0]!.report.actions;
    const name = 'held-backup';
    await putIndexed(store, layout, name, { expires: PAST });
    const all = await keysUnder(store, '');
    const manifest = `${layout.backupPrefix(name)}ferry-manifest.json`;
    const tarball = `${layout.backupPrefix(name)}${name}.tar.gz`;

    await hold(manifest, true);
    const first = await run();
    expect(first).toEqual([expect.objectContaining({ backup: name, action: 'protected', keys: [] })]);
    expect(first[0]!.protected).toEqual([{ key: manifest, reason: expect.stringMatching(/^AccessDenied: .*object lock/i) }]);
    expect(await keysUnder(store, '')).toEqual(all);
    expect((await readCatalogEntry(store, layout, name)).entry?.phase).toBe('Completed');

    await hold(manifest, false);
    await hold(tarball, true);
    const second = await run();
    expect(second).toEqual([expect.objectContaining({ backup: name, action: 'partly-deleted', protected: [expect.objectContaining({ key: tarball })] })]);
    expect(await keysUnder(store, '')).toEqual([layout.catalogKey(name), tarball].sort());
    expect((await readCatalogEntry(store, layout, name)).entry?.phase).toBe('Deleting');

    await hold(tarball, false);
    const third = await run();
    expect(third).toEqual([expect.objectContaining({ backup: name, action: 'deleted', keys: [tarball, layout.catalogKey(name)] })]);
    expect(await keysUnder(store, '')).toEqual([]);
  });
});
