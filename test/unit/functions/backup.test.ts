import { describe, expect, it } from 'vitest';
import { BACKUP_RESERVE_MS, backupHandlerCore, createBackupHandler, parseBackupEvent, type BackupHandlerDeps, type BackupRequest } from '../../../functions/backup.js';
import { createRuntime } from '../../../functions/compose.js';
import { EventValidationError } from '../../../functions/middleware/index.js';
import { BackupFailedError } from '../../../lib/backup/errors.js';
import type { FerryConfig } from '../../../lib/spec/config.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { loadEvent } from '../../support/events.js';
import { obj, sourceCluster } from '../../support/fake-cluster.js';
import { problemsOf } from '../../support/problems.js';
import { MemoryStore } from '../../support/memory-store.js';

const CONFIG: FerryConfig = {
  clusters: { source: { type: 'kubeconfig', file: 'source.kubeconfig' }, target: { type: 'kubeconfig', file: 'target.kubeconfig' } },
  storageLocations: { default: { bucket: 'ferry-local', prefix: 'ferry' } }, defaultStorageLocation: 'default', defaultCluster: 'source',
};

function deps(cluster = sourceCluster([obj('v1', 'Namespace', 'default'), obj('v1', 'ConfigMap', 'c', 'default'), obj('v1', 'ConfigMap', 'x', 'other')])) {
  const store = new MemoryStore();
  const opened: string[] = [];
  const lines: string[] = [];
  const d: BackupHandlerDeps = {
    config: CONFIG,
    clock: () => new Date('2026-01-10T03:00:42Z'),
    openStore: (name) => ({ name: name ?? 'default', location: CONFIG.storageLocations.default!, store, layout: new BucketLayout('ferry') }),
    openCluster: async (name) => { opened.push(name); return cluster; },
    log: { info: (m) => lines.push(m), warn: (m) => lines.push(m) },
  };
  return { d, store, opened, lines };
}

describe('parseBackupEvent', () => {
  it('reads an invocation carrying the seed ApplicationBackup as an object, with its cluster', () => {
    const req = parseBackupEvent(loadEvent('backup-invoke'));
    expect(req).toMatchObject({ cluster: 'source', document: { type: 'backup', backup: { name: 'nginx-backup', backupType: 'AppAndPvBackup' } } });
  });

  it('reads an invocation carrying a Velero Backup as YAML text', () => {
    const req = parseBackupEvent(loadEvent('backup-invoke-yaml')) as BackupRequest;
    expect(req.document).toMatchObject({ type: 'backup', backup: { name: 'shop-before-upgrade', ttl: '72h0m0s', excludedResources: ['secrets'] } });
  });

  it('reads an EventBridge Scheduled Event with the schedule in its detail and the firing time', () => {
    const req = parseBackupEvent(loadEvent('backup-schedule'));
    expect(req).toMatchObject({ cluster: 'source', time: new Date('2026-01-10T03:00:00Z'), document: { type: 'schedule', schedule: { name: 'nightly' } } });
  });

  it.each<[string, (e: Record<string, unknown>) => void, string, RegExp]>([
    ['an event with neither spec nor schedule', (e) => { delete e.spec; }, '', /expected "spec"/],
    ['an unknown field', (e) => { e.specs = {}; }, 'specs', /unknown field/],
    ['a cluster that is not a string', (e) => { e.cluster = 3; }, 'cluster', /cluster name/],
    ['a spec problem, reported under "spec"', (e) => { (e.spec as { spec: Record<string, unknown> }).spec.ttl = 'a month'; }, 'spec.spec.ttl', /duration/],
  ])('refuses %s', (_name, breakIt, path, message) => {
    const event = loadEvent('backup-invoke');
    breakIt(event);
    expect(problemsOf(() => parseBackupEvent(event))).toContainEqual(expect.objectContaining({ path, message: expect.stringMatching(message) }));
  });

  it('refuses a scheduled event whose schedule is a one-off backup', () => {
    const event = loadEvent('backup-schedule');
    (event.detail as Record<string, unknown>).schedule = loadEvent('backup-invoke').spec;
    expect(problemsOf(() => parseBackupEvent(event))[0]).toMatchObject({ path: 'detail.schedule', message: expect.stringMatching(/BackupSchedule/) });
  });

  it('refuses a scheduled event with a time that is not one', () => {
    const event = loadEvent('backup-schedule');
    event.time = 'yesterday';
    expect(problemsOf(() => parseBackupEvent(event))[0]).toMatchObject({ path: 'time' });
  });
});

describe('backupHandlerCore', () => {
  it('takes the scheduled backup named after the firing time, from the event\'s cluster, and answers with its outcome', async () => {
    const { d, store, opened } = deps();
    const response = await backupHandlerCore(parseBackupEvent(loadEvent('backup-schedule')), d);
    expect(response).toMatchObject({ backup: 'nightly-20260110030000', phase: 'Completed', cluster: 'source', storageLocation: 'default', itemsBackedUp: 2,
      byResource: { configmaps: 1, namespaces: 1 }, expiresAt: '2026-01-17T03:00:42.000Z', manifestKey: 'ferry/backups/nightly-20260110030000/ferry-manifest.json' });
    expect(opened).toEqual(['source']);
    expect(store.json('ferry/backups/nightly-20260110030000/velero-backup.json')).toMatchObject({ metadata: { labels: { 'velero.io/schedule-name': 'nightly' } } });
  });

  it('skips a paused schedule without opening the cluster', async () => {
    const { d, opened, store } = deps();
    const event = loadEvent('backup-schedule');
    ((event.detail as Record<string, { spec: Record<string, unknown> }>).schedule!.spec).paused = true;
    expect(await backupHandlerCore(parseBackupEvent(event), d)).toEqual({ skipped: 'paused', schedule: 'nightly' });
    expect(opened).toEqual([]);
    expect(store.writes).toEqual([]);
  });

  it('gives the run a deadline of the function\'s remaining time less the reserve for recording a failure', async () => {
    const { d, store } = deps();
    await backupHandlerCore(parseBackupEvent(loadEvent('backup-schedule')), d, { getRemainingTimeInMillis: () => 900_000 });
    expect(store.json('ferry/backups/nightly-20260110030000/velero-backup.json')).toMatchObject({
      metadata: { annotations: { 'ferry.dev/deadline': new Date(Date.parse('2026-01-10T03:00:42Z') + 900_000 - BACKUP_RESERVE_MS).toISOString() } } });
  });

  it('fails the invocation when the backup is Failed, with the run\'s error as its cause', async () => {
    const cluster = sourceCluster([]);
    cluster.discoveryError = new Error('connect ECONNREFUSED');
    const { d } = deps(cluster);
    const err = await backupHandlerCore(parseBackupEvent(loadEvent('backup-invoke')), d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupFailedError);
    expect(((err as Error).cause as Error).message).toMatch(/discovery failed: connect ECONNREFUSED/);
    expect((((err as Error).cause as Error).cause as Error).message).toBe('connect ECONNREFUSED');
  });
});

describe('createBackupHandler', () => {
  it('answers a malformed event with every problem before any cluster is opened', async () => {
    const runtime = createRuntime({ FERRY_CONFIG_JSON: JSON.stringify({ clusters: { source: { kubeconfig: '/nonexistent' } }, storageLocations: { default: { bucket: 'b' } } }) },
      { write: () => undefined });
    const handler = createBackupHandler(runtime);
    const event = loadEvent('backup-invoke');
    (event.spec as { spec: Record<string, unknown> }).spec.backupType = 'Everything';
    const error = await handler(event, { awsRequestId: 'r' } as never).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(EventValidationError);
    expect((error as EventValidationError).message).toMatch(/spec\.spec\.backupType/);
  });
});
