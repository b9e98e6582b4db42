import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runBackup } from '../../../lib/backup/run-backup.js';
import type { BackupDeps } from '../../../lib/backup/types.js';
import type { ListPage } from '../../../lib/kube/cluster.js';
import { parseBackupSpec } from '../../../lib/spec/backup-spec.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { MemoryStore } from '../../support/memory-store.js';
import { obj, sourceCluster } from '../../support/fake-cluster.js';

const layout = new BucketLayout('ferry');
const key = (file: Parameters<BucketLayout['backupKey']>[1]) => layout.backupKey('late', file);
const spec = parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: 'late' },
  spec: { includedNamespaces: ['default'], includedResources: ['secrets'] } }, 'test');
const START = Date.parse('2024-05-06T07:00:00.000Z');
const secrets = Array.from({ length: 300 }, (_, i) => obj('v1', 'Secret', `s-${i}`, 'default', { data: { k: randomBytes(1500).toString('base64') } }));

/** A clock standing at START until `jump()`, then ten minutes later. */
function jumpingClock() {
  let now = START;
  return { clock: () => new Date(now), jump: () => { now += 10 * 60_000; } };
}

function deps(extra: Partial<BackupDeps>): BackupDeps {
  return { cluster: sourceCluster(secrets), store: new MemoryStore(), layout, clock: () => new Date(START), options: { pageSize: 20 }, ...extra };
}

afterEach(() => vi.useRealTimers());

describe('runBackup deadline', () => {
  it('a backup whose deadline passes midway ends Failed: upload aborted, no manifest, velero-backup.json says why', async () => {
    const store = new MemoryStore();
    const { clock, jump } = jumpingClock();
    const deadline = new Date(START + 5 * 60_000);
    const outcome = await runBackup(spec, deps({ store, clock, deadline, onProgress: (p) => { if (p.itemsBackedUp >= 100) jump(); } }));
    expect(outcome).toMatchObject({ phase: 'Failed', failureReason: expect.stringMatching(/ran out of time: its deadline 2024-05-06T07:05:00.000Z passed/) as string });
    expect(store.aborted).toEqual([key('tarball')]);
    expect([...store.objects.keys()].sort()).toEqual([key('backup'), key('logs')].sort()); // its log says why, as velero-backup.json does
    expect(store.json(key('backup'))).toMatchObject({
      metadata: { annotations: { 'ferry.dev/deadline': '2024-05-06T07:05:00.000Z' } },
      status: { phase: 'Failed', failureReason: expect.stringMatching(/ran out of time/) as string },
    });
  });

  it('a backup stuck on a cluster that never answers ends Failed when its deadline timer fires', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const store = new MemoryStore();
    const cluster = sourceCluster(secrets);
    cluster.listPage = () => new Promise<ListPage>(() => undefined);
    const running = runBackup(spec, deps({ store, cluster, deadline: new Date(START + 60_000) }));
    await vi.advanceTimersByTimeAsync(59_999);
    expect(store.json(key('backup'))).toMatchObject({ status: { phase: 'InProgress' } });
    await vi.advanceTimersByTimeAsync(1);
    expect(await running).toMatchObject({ phase: 'Failed', failureReason: expect.stringMatching(/ran out of time/) as string });
    expect(store.json(key('backup'))).toMatchObject({ status: { phase: 'Failed' } });
    expect(store.objects.has(key('manifest'))).toBe(false);
  });

  it('a backup that ends before its deadline is committed and records the deadline it had', async () => {
    const store = new MemoryStore();
    const outcome = await runBackup(spec, deps({ store, deadline: new Date(START + 60_000) }));
    expect(outcome.phase).toBe('Completed');
    expect(store.json(key('backup'))).toMatchObject({ metadata: { annotations: { 'ferry.dev/deadline': '2024-05-06T07:01:00.000Z' } } });
  });

  it('a run that wants the name of an abandoned backup records it Failed and says so in its refusal', async () => {
    const store = new MemoryStore();
    const { clock, jump } = jumpingClock();
    // The first writer is killed: its claim (with its deadline) is all it left.
    const cluster = sourceCluster(secrets);
    cluster.listPage = () => new Promise<ListPage>(() => undefined);
    void runBackup(spec, deps({ store, cluster, clock, deadline: new Date(START + 60_000) }));
    await vi.waitUntil(() => store.objects.has(key('backup')));
    jump();
    await expect(runBackup(spec, deps({ store, clock }))).rejects.toThrow(/already exists .*it is Failed: its writer stopped before it finished/);
    expect(store.json(key('backup'))).toMatchObject({ status: { phase: 'Failed' } });
  });

  it('without a deadline a backup gets six hours from its start', async () => {
    const store = new MemoryStore();
    await runBackup(spec, deps({ store }));
    expect(store.json(key('backup'))).toMatchObject({ metadata: { annotations: { 'ferry.dev/deadline': '2024-05-06T13:00:00.000Z' } } });
  });
});
