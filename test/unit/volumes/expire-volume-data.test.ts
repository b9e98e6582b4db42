import { describe, expect, it } from 'vitest';
import { BucketLayout } from '../../../lib/store/layout.js';
import { KopiaVolumeDataExpiry, RECLAIM_WINDOW_MS } from '../../../lib/volumes/expire-volume-data.js';
import type { KopiaRun, KopiaRunner } from '../../../lib/volumes/kopia-runner.js';
import { kopiaCandidates } from '../../../lib/volumes/kopia-runner.js';
import { findKopia } from '../../../lib/volumes/open-expiry.js';
import { connectFailureKind, parseMaintenanceInfo, parseSnapshotList } from '../../../lib/volumes/repository-session.js';
import { MemoryStore } from '../../support/memory-store.js';

const layout = new BucketLayout('p');
const NOW = new Date('2026-03-01T00:00:00Z');
const record = (...volumes: [string, string][]) => JSON.stringify({
  version: 1, engine: 'kopia', failed: [],
  volumes: volumes.map(([namespace, snapshotId]) => ({ namespace, claim: 'data', snapshotId, bytes: 1, files: 1, dirs: 1, symlinks: 0 })),
});
const info = (next: string) => JSON.stringify({ schedule: { nextFullMaintenance: next, runs: { 'snapshot-gc': [{ extra: [{ kind: 'snapshotGCStats', data: { deletedContentSize: 5, unreferencedRecentContentSize: 7, inUseContentSize: 9 } }] }] } } });

/** A kopia that answers from a table of repositories by prefix and records the commands (without flags). */
class FakeKopia implements KopiaRunner {
  commands: string[] = [];
  constructor(private readonly repos: Record<string, { snapshots?: { id: string; backup?: string }[]; connect?: string; nextFull?: string }>) {}

  async run(args: readonly string[], env: Record<string, string>): Promise<KopiaRun> {
    const words = args.filter((a) => !a.startsWith('--'));
    const prefix = args.find((a) => a.startsWith('--prefix='))?.slice(9);
    const namespace = prefix ? prefix.split('/')[2]! : this.current;
    if (prefix) this.current = namespace;
    const repo = this.repos[namespace];
    this.commands.push(`${namespace}: ${words.join(' ')}`);
    if (env.KOPIA_PASSWORD !== 'password') return { code: 1, stdout: '', stderr: 'ERROR invalid repository password' };
    if (words[0] === 'repository' && words[1] === 'connect') {
      if (!repo) return { code: 1, stdout: '', stderr: 'ERROR error connecting to repository: repository not initialized in the provided storage' };
      return repo.connect ? { code: 1, stdout: '', stderr: repo.connect } : { code: 0, stdout: '', stderr: '' };
    }
    if (words[0] === 'snapshot' && words[1] === 'list') {
      return { code: 0, stdout: JSON.stringify((repo?.snapshots ?? []).map((s) => ({ id: s.id, tags: s.backup ? { 'tag:ferry-backup': s.backup } : {} }))), stderr: '' };
    }
    if (words[0] === 'maintenance' && words[1] === 'info') return { code: 0, stdout: info(repo?.nextFull ?? '2026-03-02T00:00:00Z'), stderr: '' };
    return { code: 0, stdout: '', stderr: '' };
  }

  private current = '';
}

function expiry(kopia: KopiaRunner, store = new MemoryStore(), now = NOW, password = 'password') {
  return new KopiaVolumeDataExpiry({
    runner: kopia, store, bucket: 'b', layout, endpoint: 'http://127.0.0.1:7070', password, now: () => now,
    credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 's' }),
  });
}

describe('KopiaVolumeDataExpiry.deleteSnapshots', () => {
  it('deletes the snapshots tagged with the backup, and leaves a listed one that is tagged with another backup', async () => {
    const kopia = new FakeKopia({ app: { snapshots: [{ id: 's1', backup: 'old' }, { id: 's2', backup: 'other' }, { id: 's3', backup: 'old' }] } });
    const store = new MemoryStore();
    const out = await expiry(kopia, store).deleteSnapshots('old', record(['app', 's1'], ['app', 's2']));
    expect(out).toEqual({ namespaces: ['app'], snapshots: ['s1', 's3'], notes: ['snapshot s2 of namespace app is tagged with backup other, not old: left'] });
    expect(kopia.commands).toContain('app: snapshot delete s1 s3');
    expect(JSON.parse(String(store.objects.get('p/plugins/ferry/catalog/repositories/app.json')?.bytes ?? '{}'))).toMatchObject({ namespace: 'app', deletedAt: NOW.toISOString() });
  });

  it('notes a repository that does not exist and deletes nothing', async () => {
    const out = await expiry(new FakeKopia({})).deleteSnapshots('old', record(['gone', 's1']));
    expect(out.namespaces).toEqual([]);
    expect(out.notes).toEqual(['backup old: the kopia repository of namespace gone (p/kopia/gone/) does not exist (no kopia repository at that prefix): snapshots s1 are gone with it']);
  });

  it.each([
    ['a wrong password', 'wrong', {}, /^backup old: the kopia repository of namespace app \(p\/kopia\/app\/\) refused the repository password/],
    ['a connection kopia cannot make', 'password', { connect: 'ERROR unable to reach the endpoint' }, /^backup old: the kopia repository of namespace app \(p\/kopia\/app\/\) could not be opened: ERROR unable to reach the endpoint$/],
  ])('throws naming the backup on %s', async (_, password, repo, message) => {
    await expect(expiry(new FakeKopia({ app: repo }), new MemoryStore(), NOW, password).deleteSnapshots('old', record(['app', 's1']))).rejects.toThrow(message);
  });

  it('refuses a record it cannot read, naming the field, and runs no kopia', async () => {
    const kopia = new FakeKopia({ app: {} });
    await expect(expiry(kopia).deleteSnapshots('old', record(['app', 'not/an/id']))).rejects.toThrow(/^backup old: ferry-volume-data.json volumes\[0\]\.snapshotId: .* so the backup is kept$/);
    expect(kopia.commands).toEqual([]);
  });
});

describe('KopiaVolumeDataExpiry.maintain', () => {
  it('runs full maintenance where snapshots were deleted now, and on noted repositories only when kopia says it is due', async () => {
    const store = new MemoryStore();
    await store.put('p/plugins/ferry/catalog/repositories/due.json', JSON.stringify({ namespace: 'due', deletedAt: NOW.toISOString() }));
    await store.put('p/plugins/ferry/catalog/repositories/later.json', JSON.stringify({ namespace: 'later', deletedAt: NOW.toISOString() }));
    const kopia = new FakeKopia({ now: {}, due: { nextFull: '2026-02-28T00:00:00Z' }, later: { nextFull: '2026-03-01T05:00:00Z' } });
    const done = await expiry(kopia, store).maintain(['now']);
    expect(done.map((d) => [d.namespace, d.action])).toEqual([['due', 'ran'], ['later', 'not-due'], ['now', 'ran']]);
    expect(done[0]!.gc).toEqual({ deletedBytes: 5, unreferencedRecentBytes: 7, inUseBytes: 9 });
    expect(kopia.commands.filter((c) => c.includes('maintenance run'))).toEqual(['due: maintenance run', 'now: maintenance run']);
  });

  it('stops watching a repository once the reclaim window after its last deletion has passed', async () => {
    const store = new MemoryStore();
    await store.put('p/plugins/ferry/catalog/repositories/old.json', JSON.stringify({ namespace: 'old', deletedAt: new Date(NOW.getTime() - RECLAIM_WINDOW_MS - 1).toISOString() }));
    const done = await expiry(new FakeKopia({ old: { nextFull: '2026-02-01T00:00:00Z' } }), store).maintain([]);
    expect(done.map((d) => d.action)).toEqual(['finished']);
    expect(store.objects.has('p/plugins/ferry/catalog/repositories/old.json')).toBe(false);
  });
});

describe('kopia output and where kopia is', () => {
  it.each([
    ['ERROR invalid repository password', 'wrong-password'],
    ['ERROR repository not initialized in the provided storage', 'missing-repository'],
    ['ERROR dial tcp: connection refused', 'failed'],
  ])('reads "%s" as %s', (stderr, kind) => expect(connectFailureKind(stderr)).toBe(kind));

  it('reads snapshot tags and rejects output that is not a list', () => {
    expect(parseSnapshotList('[{"id":"a","tags":{"tag:ferry-backup":"b"}},{"id":"c"}]')).toEqual([{ id: 'a', backup: 'b' }, { id: 'c' }]);
    expect(() => parseSnapshotList('{}')).toThrow('kopia\'s snapshot list is not a list');
  });

  it('reads the schedule and the last snapshot GC of maintenance info', () => {
    expect(parseMaintenanceInfo(info('2026-03-02T00:00:00Z'))).toEqual({ nextFull: new Date('2026-03-02T00:00:00Z'), gc: { deletedBytes: 5, unreferencedRecentBytes: 7, inUseBytes: 9 } });
    expect(parseMaintenanceInfo('not json')).toEqual({});
  });

  it('looks for kopia in the function\'s own files, then the local cache; FERRY_KOPIA alone when set', () => {
    expect(kopiaCandidates({ taskRoot: '/var/task', home: '/home/u' })).toEqual(['/var/task/bin/kopia', '/home/u/.cache/ferry/bin/kopia']);
    expect(kopiaCandidates({ explicit: '/x/kopia', home: '/home/u' })).toEqual(['/x/kopia']);
  });

  it('gives a kopia that fails with where it looked when there is none', async () => {
    const run = await findKopia({ taskRoot: '/var/task', home: '/nowhere' }, () => false).run([], {});
    expect(run).toEqual({ code: 127, stdout: '', stderr: 'error: no kopia binary at /var/task/bin/kopia or /nowhere/.cache/ferry/bin/kopia (build the expire function with scripts/build/functions.ts, which adds it, or set FERRY_KOPIA)' });
  });
});
