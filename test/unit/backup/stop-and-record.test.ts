// A backup whose process is told to stop, or whose bucket fails under it, records its phase before it returns:
// not InProgress until its deadline. No timer runs: the cluster is held by a gate, pauses go to a fake sleep.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runBackup } from '../../../lib/backup/run-backup.js';
import type { BackupDeps } from '../../../lib/backup/types.js';
import type { ListPage } from '../../../lib/kube/cluster.js';
import { parseBackupSpec } from '../../../lib/spec/backup-spec.js';
import { PreconditionFailedError, StoreError } from '../../../lib/store/errors.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { obj, sourceCluster } from '../../support/fake-cluster.js';
import { MemoryStore } from '../../support/memory-store.js';

const layout = new BucketLayout('ferry');
const key = (file: Parameters<BucketLayout['backupKey']>[1]) => layout.backupKey('stop', file);
const spec = parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: 'stop' },
  spec: { includedNamespaces: ['default'], includedResources: ['configmaps'] } }, 'test');
const START = Date.parse('2024-05-06T07:00:00.000Z');
// Incompressible data, so that the tarball's upload passes the store's injected failure point.
const configMaps = Array.from({ length: 40 }, (_, i) => obj('v1', 'ConfigMap', `c-${i}`, 'default', { data: { k: randomBytes(1500).toString('base64') } }));

/** A clock that only moves when the run sleeps, and the pauses it took. */
function sleepingClock() {
  let now = START;
  const pauses: number[] = [];
  return { pauses, clock: () => new Date(now), sleep: async (ms: number) => { pauses.push(ms); now += ms; } };
}

function deps(extra: Partial<BackupDeps>): BackupDeps {
  const time = sleepingClock();
  return { cluster: sourceCluster(configMaps), store: new MemoryStore(), layout, clock: time.clock, sleep: time.sleep, options: { pageSize: 10 }, ...extra };
}

/** Makes the velero-backup.json writes after the claim fail `times` times with `error`, then go through. */
function refuseFailureRecords(store: MemoryStore, times: number, error: () => Error): void {
  let puts = 0;
  store.beforePut = (k) => {
    if (k === key('backup') && ++puts > 1 && puts <= 1 + times) throw error();
  };
}

describe('a backup that is stopped', () => {
  it('ends Failed as soon as its signal aborts, the upload aborted and the reason recorded, while its cluster still hangs', async () => {
    const store = new MemoryStore();
    const cluster = sourceCluster(configMaps);
    let listing!: () => void;
    const listed = new Promise<void>((resolve) => { listing = resolve; });
    cluster.listPage = () => { listing(); return new Promise<ListPage>(() => undefined); };
    const stop = new AbortController();
    const running = runBackup(spec, deps({ store, cluster, signal: stop.signal }));
    await listed;
    expect(store.json(key('backup'))).toMatchObject({ status: { phase: 'InProgress' } });
    stop.abort(new Error('interrupted by SIGINT'));
    const outcome = await running;
    expect(outcome).toMatchObject({ phase: 'Failed', failureReason: expect.stringMatching(/^the backup was stopped \(interrupted by SIGINT\) with 0 items/) as string });
    expect(store.json(key('backup'))).toMatchObject({ status: { phase: 'Failed', failureReason: expect.stringMatching(/stopped \(interrupted by SIGINT\)/) as string } });
    expect(store.objects.has(key('manifest'))).toBe(false);
    expect(store.aborted).toEqual([key('tarball')]);
  });

  it('records Failed when it is stopped while its claim is still on its way to the bucket and the claim lands after', async () => {
    const store = new MemoryStore();
    const stop = new AbortController();
    let land!: () => void;
    store.beforePut = (k, options) => (k === key('backup') && options.ifNoneMatch === '*'
      ? new Promise<void>((resolve) => { land = resolve; stop.abort(new Error('interrupted by SIGTERM')); }) : undefined);
    const running = runBackup(spec, deps({ store, signal: stop.signal }));
    await expect.poll(() => land).toBeDefined();
    land();
    expect(await running).toMatchObject({ phase: 'Failed', failureReason: expect.stringMatching(/stopped \(interrupted by SIGTERM\)/) as string });
    expect(store.json(key('backup'))).toMatchObject({ status: { phase: 'Failed' } });
  });

  it('that was told to stop before it started claims nothing it leaves InProgress', async () => {
    const store = new MemoryStore();
    const stop = new AbortController();
    stop.abort(new Error('interrupted by SIGINT'));
    const outcome = await runBackup(spec, deps({ store, signal: stop.signal })).catch((err: Error) => err);
    const phase = store.objects.has(key('backup')) ? (store.json(key('backup')) as { status: { phase: string } }).status.phase : 'nothing written';
    expect(phase).not.toBe('InProgress');
    expect(outcome instanceof Error ? outcome.message : outcome.failureReason).toMatch(/stopped \(interrupted by SIGINT\)/);
  });
});

describe('a backup whose bucket fails under it', () => {
  it.each([
    ['takes the failure record at the first try', 0, []],
    ['refuses it twice, then takes it: the run pauses 1 s and 2 s and records it', 2, [1000, 2000]],
    ['refuses it five times, then takes it: pauses double each time', 5, [1000, 2000, 4000, 8000, 16000]],
  ])('records Failed when the bucket %s', async (_case, refusals, pauses) => {
    const store = new MemoryStore();
    store.failUploadAfter = 10_000;
    refuseFailureRecords(store, refusals, () => new StoreError('put', key('backup'), { cause: new Error('connection reset by the bucket') }));
    const time = sleepingClock();
    const outcome = await runBackup(spec, deps({ store, clock: time.clock, sleep: time.sleep, failureRecordMs: 60_000 }));
    expect(outcome).toMatchObject({ phase: 'Failed', failureReason: expect.stringMatching(/^the bucket failed/) as string });
    expect(store.json(key('backup'))).toMatchObject({ status: { phase: 'Failed' } });
    expect(time.pauses).toEqual(pauses);
  });

  it('gives up after failureRecordMs, leaving the record to whoever reads the backup after its deadline', async () => {
    const store = new MemoryStore();
    store.failUploadAfter = 10_000;
    refuseFailureRecords(store, 100, () => new StoreError('put', key('backup'), { cause: new Error('connection reset by the bucket') }));
    const time = sleepingClock();
    const warnings: string[] = [];
    const outcome = await runBackup(spec, deps({ store, clock: time.clock, sleep: time.sleep, failureRecordMs: 20_000, log: { info: () => undefined, warn: (m) => warnings.push(m) } }));
    expect(outcome.phase).toBe('Failed');
    expect(time.pauses).toEqual([1000, 2000, 4000, 8000]);
    expect(store.json(key('backup'))).toMatchObject({ status: { phase: 'InProgress' } });
    expect(warnings.at(-1)).toMatch(/^could not record the failure in velero-backup.json: object store put .* failed: connection reset by the bucket/);
  });

  it('takes a Failed record that an attempt which timed out wrote after all (the retry no longer matches, the bucket says Failed)', async () => {
    const store = new MemoryStore();
    store.failUploadAfter = 10_000;
    let puts = 0;
    store.beforePut = (k) => {
      if (k !== key('backup') || ++puts !== 2) return;
      // The bucket stores the write, but its answer never reaches the run.
      store.objects.set(k, { bytes: Buffer.from(JSON.stringify({ status: { phase: 'Failed' } })), etag: '"landed-late"', lastModified: new Date(START) });
      throw new StoreError('put', k, { cause: new Error('silent for 2 s') });
    };
    const time = sleepingClock();
    const warnings: string[] = [];
    expect((await runBackup(spec, deps({ store, clock: time.clock, sleep: time.sleep, log: { info: () => undefined, warn: (m) => warnings.push(m) } }))).phase).toBe('Failed');
    expect(time.pauses).toEqual([1000]);
    expect(warnings.at(-1)).toMatch(/^velero-backup.json records Failed \(an earlier attempt landed after its timeout/);
  });

  it('stops trying at once when a reader recorded the backup first (the conditional write no longer matches)', async () => {
    const store = new MemoryStore();
    store.failUploadAfter = 10_000;
    refuseFailureRecords(store, 1, () => new PreconditionFailedError(key('backup')));
    const time = sleepingClock();
    expect((await runBackup(spec, deps({ store, clock: time.clock, sleep: time.sleep }))).phase).toBe('Failed');
    expect(time.pauses).toEqual([]);
  });
});
