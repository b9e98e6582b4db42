import { describe, expect, it } from 'vitest';
import { backupHandlerCore, parseBackupEvent, type BackupHandlerDeps } from '../../../functions/backup.js';
import type { FerryConfig } from '../../../lib/spec/config.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { MovePendingError } from '../../../lib/volumes/errors.js';
import type { MovedVolume, MoveOutRequest, VolumeMover } from '../../../lib/volumes/mover.js';
import { parseVolumeData } from '../../../lib/volumes/volume-data-record.js';
import { MemoryStore } from '../../support/memory-store.js';
import { problemsOf } from '../../support/problems.js';
import { obj, sourceCluster } from '../../support/fake-cluster.js';

const CONFIG: FerryConfig = {
  clusters: { source: { type: 'kubeconfig', file: 'source.kubeconfig' } },
  storageLocations: { default: { bucket: 'ferry-local', prefix: 'ferry' } }, defaultStorageLocation: 'default', defaultCluster: 'source',
};

/** A mover whose moves run for `invocations` invocations: each move asked earlier than that is left running. */
class SlowMover implements VolumeMover {
  readonly asked: string[] = [];
  constructor(private readonly invocations: () => number, private readonly doneAt: number) {}
  async moveOut(request: MoveOutRequest): Promise<MovedVolume> {
    this.asked.push(`${request.namespace}/${request.claim}`);
    if (this.invocations() < this.doneAt) throw new MovePendingError(`mover-${request.claim}`, request.namespace);
    return { snapshotId: `k${request.claim}0123`, bytes: 10, files: 1, dirs: 1, symlinks: 0, source: 'live' };
  }
  async moveIn(): Promise<never> {
    throw new Error('not a restore');
  }
}

const claim = (name: string) => obj('v1', 'PersistentVolumeClaim', name, 'app', { spec: {}, status: { phase: 'Bound' } });

function harness(doneAt: number, maxInvocations = 20) {
  let invocation = 1;
  const store = new MemoryStore();
  const sent: Record<string, unknown>[] = [];
  const mover = new SlowMover(() => invocation, doneAt);
  const cluster = sourceCluster([obj('v1', 'Namespace', 'app'), claim('data'), claim('logs')]);
  const deps: BackupHandlerDeps = {
    config: CONFIG, clock: () => new Date('2026-01-10T03:00:42Z'),
    openStore: (name) => ({ name: name ?? 'default', location: CONFIG.storageLocations.default!, store, layout: new BucketLayout('ferry') }),
    openMover: () => ({ volumeMover: mover }),
    openCluster: async () => cluster,
    log: { info: () => undefined, warn: () => undefined },
    continueLater: async (event) => { sent.push(event); },
    maxInvocations,
  };
  const context = { getRemainingTimeInMillis: () => 900_000 };
  /** Runs the invocation the last continuation asked for. */
  const next = async () => {
    invocation++;
    return backupHandlerCore(parseBackupEvent(sent.at(-1)!), deps, context);
  };
  return { store, sent, mover, deps, context, next };
}

const SPEC = { spec: { apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: 'nightly' }, spec: { backupType: 'AppAndPvBackup', includedNamespaces: ['app'] } }, cluster: 'source' };

describe('a backup whose volume moves outlast invocations', () => {
  it('is handed over, continued by the invocations it sends itself, and committed by the one that sees the moves end', async () => {
    const h = harness(3);
    const first = await backupHandlerCore(parseBackupEvent(SPEC), h.deps, h.context);
    expect(first).toMatchObject({ backup: 'nightly', phase: 'WaitingForPluginOperations', pendingVolumes: 2, continues: true });
    expect(h.sent).toEqual([{ continueBackup: 'nightly', cluster: 'source', continuation: 1 }]);
    expect(await h.next()).toMatchObject({ phase: 'WaitingForPluginOperations', continues: true });
    const last = await h.next();
    expect(last).toMatchObject({ phase: 'Completed', manifestKey: 'ferry/backups/nightly/ferry-manifest.json' });
    const record = parseVolumeData(Buffer.from((await h.store.getBytes('ferry/backups/nightly/ferry-volume-data.json')).bytes).toString('utf8'));
    expect(record.volumes.map((v) => v.claim)).toEqual(['data', 'logs']);
    const manifest = JSON.parse(Buffer.from((await h.store.getBytes('ferry/backups/nightly/ferry-manifest.json')).bytes).toString('utf8'));
    expect(Object.keys(manifest.files).sort()).toEqual(['ferry-volume-data.json', 'nightly-logs.gz', 'nightly-podvolumebackups.json.gz', 'nightly-resource-list.json.gz', 'nightly-results.gz', 'nightly.tar.gz', 'velero-backup.json']);
    expect(await h.store.head('ferry/backups/nightly/ferry-backup-progress.json')).toBeUndefined();
  });

  it('stops continuing after the most invocations allowed, saying so, and leaves the backup to its deadline', async () => {
    const h = harness(10, 2);
    await backupHandlerCore(parseBackupEvent(SPEC), h.deps, h.context);
    expect(await h.next()).toMatchObject({ phase: 'WaitingForPluginOperations', continues: false });
    expect(h.sent).toHaveLength(1);
  });

  it('answers a continuation delivered twice with a skip, not a second commit', async () => {
    const h = harness(2);
    await backupHandlerCore(parseBackupEvent(SPEC), h.deps, h.context);
    await h.next();
    const again = await backupHandlerCore(parseBackupEvent(h.sent.at(-1)!), h.deps, h.context);
    expect(again).toEqual({ backup: 'nightly', skipped: 'backup nightly is Completed, not WaitingForPluginOperations: nothing to continue' });
  });
});

describe('parseBackupEvent for a continuation', () => {
  it.each([
    ['a backup name that is not a name', { continueBackup: '../x', cluster: 'source', continuation: 1 }, 'continueBackup'],
    ['no cluster', { continueBackup: 'b', continuation: 1 }, 'cluster'],
    ['a first invocation posing as a continuation', { continueBackup: 'b', cluster: 'source', continuation: 0 }, 'continuation'],
    ['a field a continuation does not take', { continueBackup: 'b', cluster: 'source', continuation: 1, spec: {} }, 'spec'],
  ])('refuses %s, naming the field', (_name, event, field) => {
    expect(problemsOf(() => parseBackupEvent(event)).map((p) => p.path)).toContain(field);
  });
});
