// A running backup's claim is a lease: velero-backup.json records a deadline a few minutes ahead (never past the
// run's own), renewed with If-Match while the run lives, so that a killed writer is recorded Failed soon after. The
// timers and the clock are faked together: no test waits for time to pass.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backupHandlerCore, parseBackupEvent } from '../../../functions/backup.js';
import { BACKUP_LEASE_MS } from '../../../lib/backup/backup-claim.js';
import { runBackup } from '../../../lib/backup/run-backup.js';
import type { BackupDeps } from '../../../lib/backup/types.js';
import { settleAbandoned } from '../../../lib/catalog/abandoned.js';
import type { ListPage } from '../../../lib/kube/cluster.js';
import { parseBackupSpec } from '../../../lib/spec/backup-spec.js';
import { StoreError } from '../../../lib/store/errors.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import type { PutOptions } from '../../../lib/store/object-store.js';
import type { FerryConfig } from '../../../lib/spec/config.js';
import { MovePendingError } from '../../../lib/volumes/errors.js';
import { obj, sourceCluster } from '../../support/fake-cluster.js';
import { MemoryStore } from '../../support/memory-store.js';

const layout = new BucketLayout('ferry');
const key = (file: Parameters<BucketLayout['backupKey']>[1], name = 'leased') => layout.backupKey(name, file);
const spec = parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: 'leased' },
  spec: { includedNamespaces: ['default'], includedResources: ['configmaps'] } }, 'test');
const START = Date.parse('2024-05-06T07:00:00.000Z');
const at = (ms: number) => new Date(START + ms).toISOString();
const configMaps = Array.from({ length: 40 }, (_, i) => obj('v1', 'ConfigMap', `c-${i}`, 'default', { data: { k: randomBytes(1500).toString('base64') } }));
const quiet = { info: () => undefined, warn: () => undefined };

/** The writes of velero-backup.json: the deadline each recorded, its phase and the condition it was sent with. */
function recordWrites(store: MemoryStore, name = 'leased') {
  const writes: { deadline: string; phase: string; condition: PutOptions }[] = [];
  const put = store.put.bind(store);
  store.put = async (k, body, options = {}) => {
    if (k === key('backup', name)) {
      const o = JSON.parse(Buffer.from(body).toString('utf8')) as { metadata: { annotations: Record<string, string> }; status: { phase: string } };
      writes.push({ deadline: o.metadata.annotations['ferry.dev/deadline']!, phase: o.status.phase, condition: { ifMatch: options.ifMatch, ifNoneMatch: options.ifNoneMatch } });
    }
    return put(k, body, options);
  };
  return writes;
}

/** A run over a cluster whose LIST never answers (a long backup), with the clock and timers faked from START. */
function stuckRun(store: MemoryStore, extra: Partial<BackupDeps> = {}) {
  vi.useFakeTimers({ now: START, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  const cluster = sourceCluster(configMaps);
  cluster.listPage = () => new Promise<ListPage>(() => undefined);
  const warnings: string[] = [];
  const running = runBackup(spec, {
    store, layout, cluster, clock: () => new Date(), sleep: async () => undefined,
    log: { info: () => undefined, warn: (m) => warnings.push(m) }, ...extra,
  });
  return { running, warnings };
}

afterEach(() => vi.useRealTimers());

describe('a running backup\'s lease', () => {
  it.each([
    ['a CLI run (six hours) records a lease of BACKUP_LEASE_MS in its claim', undefined, at(BACKUP_LEASE_MS)],
    ['a function with fourteen minutes left records the same lease', new Date(START + 14 * 60_000), at(BACKUP_LEASE_MS)],
    ['a function with one minute left records its own deadline, which comes first', new Date(START + 60_000), at(60_000)],
  ])('%s', async (_name, deadline, expected) => {
    const store = new MemoryStore();
    const writes = recordWrites(store);
    const { running } = stuckRun(store, deadline ? { deadline } : {});
    await vi.advanceTimersByTimeAsync(0);
    expect(writes[0]).toEqual({ phase: 'InProgress', deadline: expected, condition: { ifNoneMatch: '*' } });
    await vi.advanceTimersByTimeAsync(6 * 3_600_000);
    await running;
  });

  it('is renewed every third of its length with If-Match on the version the run wrote, and ends with the run', async () => {
    const store = new MemoryStore();
    const writes = recordWrites(store);
    const stop = new AbortController();
    const { running } = stuckRun(store, { signal: stop.signal });
    await vi.advanceTimersByTimeAsync(BACKUP_LEASE_MS);
    expect(writes.map((w) => [w.phase, w.deadline])).toEqual([
      ['InProgress', at(BACKUP_LEASE_MS)], ['InProgress', at(BACKUP_LEASE_MS * 4 / 3)],
      ['InProgress', at(BACKUP_LEASE_MS * 5 / 3)], ['InProgress', at(BACKUP_LEASE_MS * 2)],
    ]);
    expect(writes.slice(1).every((w) => w.condition.ifMatch !== undefined)).toBe(true);
    stop.abort(new Error('interrupted by SIGINT'));
    expect(await running).toMatchObject({ phase: 'Failed' });
    const ended = writes.length;
    await vi.advanceTimersByTimeAsync(10 * BACKUP_LEASE_MS);
    expect(writes).toHaveLength(ended);
    expect(store.json(key('backup'))).toMatchObject({ status: { phase: 'Failed' } });
  });

  it('lapses when the writer dies: a reader records the backup Failed once lease and grace have passed, not six hours later', async () => {
    const store = new MemoryStore();
    void stuckRun(store);
    await vi.advanceTimersByTimeAsync(0);
    // The writer is killed here: its renewals stop with it. A reader judges with its own clock.
    vi.useRealTimers();
    const judge = (ms: number) => settleAbandoned('leased', { store, layout, now: () => new Date(START + ms), log: quiet });
    expect(await judge(BACKUP_LEASE_MS)).toBeUndefined();
    expect(await judge(BACKUP_LEASE_MS + 2 * 60_000 + 1)).toMatchObject({ reason: expect.stringMatching(/writer stopped before it finished/) as string });
    expect(store.json(key('backup'))).toMatchObject({ status: { phase: 'Failed' } });
  });

  it('stops the run when a renewal finds the record changed by a reader, leaving the reader\'s Failed record as it is', async () => {
    const store = new MemoryStore();
    const { running, warnings } = stuckRun(store);
    await vi.advanceTimersByTimeAsync(0);
    // A reader whose clock ran ahead took the lease for lapsed and recorded the backup Failed.
    await settleAbandoned('leased', { store, layout, now: () => new Date(START + 10 * BACKUP_LEASE_MS), log: quiet });
    const readers = store.objects.get(key('backup'))!.etag;
    await vi.advanceTimersByTimeAsync(BACKUP_LEASE_MS / 3);
    expect(await running).toMatchObject({ phase: 'Failed', failureReason: expect.stringMatching(/^the backup lost its claim: velero-backup.json was changed/) as string });
    expect(store.objects.get(key('backup'))!.etag).toBe(readers);
    expect(store.json(key('backup'))).toMatchObject({ status: { phase: 'Failed', failureReason: expect.stringMatching(/writer stopped before it finished/) as string } });
    expect(store.objects.has(key('manifest'))).toBe(false);
    expect(warnings.some((w) => /keeps what another writer or reader recorded/.test(w))).toBe(true);
  });

  it('survives a renewal the bucket refuses: the warning is logged and the next renewal moves the lease on', async () => {
    const store = new MemoryStore();
    const writes = recordWrites(store);
    let refuse = true;
    store.beforePut = (k) => {
      if (k === key('backup') && writes.length === 2 && refuse) { refuse = false; throw new StoreError('put', k, { cause: new Error('timed out') }); }
    };
    const stop = new AbortController();
    const { running, warnings } = stuckRun(store, { signal: stop.signal });
    await vi.advanceTimersByTimeAsync(BACKUP_LEASE_MS * 2 / 3);
    expect(warnings).toEqual([expect.stringMatching(/^could not renew the backup's claim in velero-backup.json \(tried again in 60 s\)/)]);
    expect(store.json(key('backup'))).toMatchObject({ metadata: { annotations: { 'ferry.dev/deadline': at(BACKUP_LEASE_MS * 5 / 3) } }, status: { phase: 'InProgress' } });
    stop.abort(new Error('interrupted by SIGTERM'));
    expect(await running).toMatchObject({ phase: 'Failed', failureReason: expect.stringMatching(/interrupted by SIGTERM/) as string });
  });
});

describe('the lease and a function\'s hand-over', () => {
  it('a backup handed over to a fresh invocation records the pickup deadline, not a lease, once its moves outlast the invocation', async () => {
    const config: FerryConfig = {
      clusters: { source: { type: 'kubeconfig', file: 'source.kubeconfig' } },
      storageLocations: { default: { bucket: 'b', prefix: 'ferry' } }, defaultStorageLocation: 'default', defaultCluster: 'source',
    };
    const store = new MemoryStore();
    const writes = recordWrites(store, 'nightly');
    const cluster = sourceCluster([obj('v1', 'Namespace', 'app'), obj('v1', 'PersistentVolumeClaim', 'data', 'app', { spec: {}, status: { phase: 'Bound' } })]);
    const response = await backupHandlerCore(parseBackupEvent({ cluster: 'source',
      spec: { apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: 'nightly' }, spec: { backupType: 'AppAndPvBackup', includedNamespaces: ['app'] } } }), {
      config, clock: () => new Date(START), log: quiet, continueLater: async () => undefined,
      openStore: () => ({ name: 'default', location: config.storageLocations.default!, store, layout }), openCluster: async () => cluster,
      openMover: () => ({ volumeMover: { moveOut: async (r) => { throw new MovePendingError(`mover-${r.claim}`, r.namespace); }, moveIn: async () => { throw new Error('not a restore'); } } }),
    }, { getRemainingTimeInMillis: () => 900_000 });
    expect(response).toMatchObject({ phase: 'WaitingForPluginOperations', continues: true });
    // The claim: the lease (the invocation's deadline, 14.5 minutes on, comes later); the hand-over: five minutes to pick it up.
    expect(writes.map((w) => [w.phase, w.deadline])).toEqual([['InProgress', at(BACKUP_LEASE_MS)], ['WaitingForPluginOperations', at(5 * 60_000)]]);
  });
});
