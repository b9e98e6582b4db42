import { describe, expect, it } from 'vitest';
import { claimRestoreIdentity, readIdentity, RestoreIdentityError } from '../../../lib/restore/identity.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { MemoryStore } from '../../support/memory-store.js';

const layout = new BucketLayout('p');
const now = () => new Date('2026-12-04T10:00:00Z');
const claim = (store: MemoryStore, targetCluster: string | undefined, backup = 'b1', dryRun = false) =>
  claimRestoreIdentity(store, layout, { name: 'r1', backup, ...(targetCluster ? { targetCluster } : {}), dryRun }, now);

describe('claimRestoreIdentity', () => {
  it('records the first run\'s backup and target, created only if absent, and accepts the same restore again', async () => {
    const store = new MemoryStore();
    expect(await claim(store, 'target')).toEqual({ restore: 'r1', backup: 'b1', targetCluster: 'target', recordedAt: '2026-12-04T10:00:00.000Z', dryRun: false });
    await claim(store, 'target');
    expect(store.calls.filter((c) => c.startsWith('put'))).toEqual(['put p/restores/r1/ferry-identity.json']);
  });

  it.each([
    ['another target cluster', 'source', 'b1', /restore r1 already ran from backup b1 into cluster target at 2026-12-04T10:00:00.000Z; it is not run again against cluster source/],
    ['another backup', 'target', 'b2', /restore r1 already ran from backup b1 into cluster target .*; it is not run again against backup b2/],
  ])('refuses the same name with %s, saying where it ran and how to run it anew', async (_case, cluster, backup, message) => {
    const store = new MemoryStore();
    await claim(store, 'target');
    const refused = claim(store, cluster, backup);
    await expect(refused).rejects.toThrow(RestoreIdentityError);
    await expect(refused).rejects.toThrow(message);
    await expect(refused).rejects.toThrow(/another name \(metadata.name, or --name with `ferry restore`\)/);
  });

  it('only checks, recording nothing, when asked not to record (a restore not yet known to go ahead)', async () => {
    const store = new MemoryStore();
    expect(await claimRestoreIdentity(store, layout, { name: 'r1', backup: 'b1', targetCluster: 't', dryRun: false }, now, { record: false })).toBeUndefined();
    expect(store.objects.size).toBe(0);
  });

  it('says a dry run is what recorded the identity', async () => {
    const store = new MemoryStore();
    await claim(store, 'target', 'b1', true);
    await expect(claim(store, 'source')).rejects.toThrow(/into cluster target \(a dry run\)/);
  });

  it('takes the identity of a restore stored before identities were recorded from its result', async () => {
    const store = new MemoryStore();
    await store.put(layout.restoreKey('r1', 'result'), JSON.stringify({ restore: 'r1', backup: 'b1', targetCluster: 'target', dryRun: false, phase: 'Completed' }));
    expect(await readIdentity(store, layout, 'r1')).toEqual({ restore: 'r1', backup: 'b1', targetCluster: 'target', dryRun: false });
    await expect(claim(store, 'source')).rejects.toThrow(/already ran from backup b1 into cluster target/);
  });

  it('settles two first runs at once: one records, the other is judged against what it recorded', async () => {
    const store = new MemoryStore();
    let raced = false;
    store.beforePut = async (key) => {
      if (raced || !key.endsWith('ferry-identity.json')) return;
      raced = true;
      await store.put(key, JSON.stringify({ restore: 'r1', backup: 'b1', targetCluster: 'source' }));
    };
    await expect(claim(store, 'target')).rejects.toThrow(/into cluster source; it is not run again against cluster target/);
  });
});
