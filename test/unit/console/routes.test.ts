import { describe, expect, it } from 'vitest';
import { indexBackup } from '../../../lib/catalog/index-backup.js';
import { silentLog } from '../../../lib/catalog/types.js';
import type { ConsoleAuth } from '../../../lib/console/auth.js';
import type { ConsoleDeps, FunctionInvoker } from '../../../lib/console/deps.js';
import type { ConsoleRequest } from '../../../lib/console/http.js';
import { route } from '../../../lib/console/routes.js';
import { saveCheckpoint } from '../../../lib/restore/apply/checkpoint.js';
import type { RestoreResult } from '../../../lib/restore/result.js';
import { storeResult } from '../../../lib/restore/result-store.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import type { ObjectStore } from '../../../lib/store/object-store.js';
import { buildBackup, putBackup } from '../../support/backup-fixture.js';
import { MemoryStore } from '../../support/memory-store.js';

const layout = new BucketLayout('');
const NOW = new Date('2026-01-13T08:00:00Z');
const TOKEN = 'a-console-token-of-some-length';
const auth: ConsoleAuth = { mode: 'token', token: TOKEN };
const assets = { html: '<!doctype html>', js: 'void 0', css: 'body{}' };
const SCHEDULES = 'apiVersion: ferry.dev/v1\nkind: BackupSchedule\nmetadata: {name: nightly}\nspec:\n  schedule: "0 3 * * *"\n  template: {includedNamespaces: [shop], ttl: 72h}\n---\n'
  + 'apiVersion: ferry.dev/v1\nkind: BackupSchedule\nmetadata: {name: held}\nspec:\n  schedule: "0 4 * * *"\n  paused: true\n  template: {includedNamespaces: [shop]}\n';

/** A function invoker that records what it was asked and answers the dry run as `dryRun` says. */
function recorder(dryRun: (event: Record<string, unknown>) => Promise<unknown> = async () => { throw new Error('restore failed: no cluster here'); }) {
  const calls: { how: 'call' | 'start'; name: string; event: Record<string, unknown> }[] = [];
  const invoker: FunctionInvoker = {
    async call<T>(name: 'restore' | 'backup', event: unknown) {
      calls.push({ how: 'call', name, event: event as Record<string, unknown> });
      return await dryRun(event as Record<string, unknown>) as T;
    },
    async start(name, event) {
      calls.push({ how: 'start', name, event: event as Record<string, unknown> });
    },
  };
  return { calls, invoker };
}

async function bucket(): Promise<MemoryStore> {
  const store = new MemoryStore();
  await putBackup(store, layout, 'nightly-1', await buildBackup('nightly-1', { created: new Date('2026-01-10T08:00:00Z'), sourceCluster: 'idc' }));
  await indexBackup('nightly-1', { store, layout, now: () => NOW, log: silentLog });
  return store;
}

function depsOf(store: ObjectStore, functions: FunctionInvoker = recorder().invoker): ConsoleDeps {
  return { store, layout, location: 'default', clusters: ['source', 'target'], schedulesYaml: SCHEDULES, functions, now: () => NOW };
}

function request(method: string, path: string, extra: Partial<ConsoleRequest> = {}): ConsoleRequest {
  return { method, path, query: {}, headers: { authorization: `Bearer ${TOKEN}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) }, ...extra };
}

async function answer(req: ConsoleRequest, deps: ConsoleDeps) {
  const res = await route(req, auth, () => deps, assets);
  return { status: res.status, headers: res.headers, body: res.headers['content-type']!.startsWith('application/json') ? JSON.parse(res.body) : res.body };
}

/** A store that fails the test if anything reads it: a refused request must touch nothing. */
const untouchable = new Proxy({}, { get: (_t, p) => () => { throw new Error(`the store was used (${String(p)}) by a refused request`); } }) as unknown as ObjectStore;

describe('console routes', () => {
  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer another-token-of-some-length' }],
    ['the token without the Bearer scheme', { authorization: TOKEN }],
    ['a Basic credential', { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }],
  ])('refuses an API request with %s (401) before reading anything', async (_case, headers) => {
    for (const [method, path] of [['GET', '/api/backups'], ['POST', '/api/restores'], ['POST', '/api/schedules/nightly/backups']] as const) {
      const res = await answer({ method, path, query: {}, headers, body: '{}' }, depsOf(untouchable));
      expect(res.status).toBe(401);
    }
  });

  it('serves the app\'s files without a token, with a policy that allows no inline script and no other origin', async () => {
    for (const [path, type] of [['/', 'text/html'], ['/app.js', 'text/javascript'], ['/app.css', 'text/css']]) {
      const res = await answer({ method: 'GET', path: path!, query: {}, headers: {} }, depsOf(untouchable));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toContain(type);
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    }
  });

  it.each([
    ['an unknown page', 404, request('GET', '/admin')],
    ['an unknown API', 404, request('GET', '/api/nothing')],
    ['a method the API does not take', 405, request('DELETE', '/api/backups')],
    ['a POST that is not JSON (what a cross-site form sends)', 415, request('POST', '/api/restores', { headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' })],
    ['a body that is not JSON', 400, request('POST', '/api/restores', { body: '{nope' })],
    ['a backup name that is not a name', 400, request('GET', '/api/backups/..%2Fsecret')],
    ['a backup the bucket does not hold', 404, request('GET', '/api/backups/missing')],
  ])('answers %s with %i', async (_case, status, req) => {
    expect((await answer(req, depsOf(await bucket()))).status).toBe(status);
  });

  it('lists the catalog\'s backups and describes one with its counts and (empty) problems', async () => {
    const deps = depsOf(await bucket());
    const list = await answer(request('GET', '/api/backups'), deps);
    expect(list.body.backups.map((b: { name: string }) => b.name)).toEqual(['nightly-1']);
    const one = await answer(request('GET', '/api/backups/nightly-1'), deps);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ indexed: true, entry: { name: 'nightly-1', phase: 'Completed', sourceCluster: 'idc' }, volumes: { moved: [] } });
    expect(one.body.entry.counts.byNamespace).toMatchObject({ default: expect.any(Number) });
  });

  it('previews a restore as per-object diffs with the mapping applied, and reports a dry run that could not run', async () => {
    const { calls, invoker } = recorder();
    const res = await answer(request('POST', '/api/restores/preview', { body: JSON.stringify({
      name: 'shop-restore', backupName: 'nightly-1', targetCluster: 'target', namespaceMapping: { default: 'default1' },
    }) }), depsOf(await bucket(), invoker));
    expect(res.status).toBe(200);
    const objects = res.body.objects as { from: string; to: string; diff: string }[];
    expect(objects.length).toBeGreaterThan(0);
    const moved = objects.find((o) => o.from.startsWith('default/'))!;
    expect(moved.to).toBe(moved.from.replace('default/', 'default1/'));
    expect(moved.diff).toMatch(/^-\s+namespace: default$/m);
    expect(moved.diff).toMatch(/^\+\s+namespace: default1$/m);
    expect(res.body.dryRun).toEqual({ failure: 'restore failed: no cluster here' });
    // The dry run went to the restore function, under a name of its own, and nothing was started.
    expect(calls).toEqual([{ how: 'call', name: 'restore', event: expect.objectContaining({ dryRun: true, cluster: 'target' }) }]);
    expect((calls[0]!.event.spec as { metadata: { name: string } }).metadata.name).toMatch(/^shop-restore-dry-[0-9a-f]{6}$/);
  });

  it('answers an invalid restore form with every problem, naming each field, and starts nothing', async () => {
    const { calls, invoker } = recorder();
    const res = await answer(request('POST', '/api/restores', { body: JSON.stringify({
      name: 'Not A Name', targetCluster: 'elsewhere', namespaceMapping: { default: 'BAD_NS' }, modifiers: 'version: v1\nresourceModifierRules: [{patches: []}]', color: 'red',
    }) }), depsOf(await bucket(), invoker));
    expect(res.status).toBe(400);
    const problems = (res.body.problems as string[]).join('\n');
    for (const field of ['color: unknown field', 'targetCluster: expected one of source, target', 'metadata.name', 'namespaceMapping', 'backupName', 'modifiers']) expect(problems).toContain(field);
    expect(calls).toEqual([]);
  });

  it('starts a restore through the restore function with the validated document, and refuses a name already taken', async () => {
    const store = await bucket();
    const { calls, invoker } = recorder();
    const body = JSON.stringify({ name: 'shop-restore', backupName: 'nightly-1', targetCluster: 'target', imageRegistryMapping: { 'old.example/team': 'new.example/team' } });
    const res = await answer(request('POST', '/api/restores', { body }), depsOf(store, invoker));
    expect(res).toMatchObject({ status: 202, body: { restore: 'shop-restore' } });
    expect(calls).toEqual([{ how: 'start', name: 'restore', event: { cluster: 'target', spec: {
      apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name: 'shop-restore' },
      spec: { backupName: 'nightly-1', imageRegistryMapping: { 'old.example/team': 'new.example/team' } },
    } } }]);
    await store.put(layout.restoreKey('shop-restore', 'identity'), JSON.stringify({ restore: 'shop-restore', backup: 'nightly-1', targetCluster: 'target' }));
    const again = await answer(request('POST', '/api/restores', { body }), depsOf(store, invoker));
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/shop-restore is taken/);
  });

  it('lists the schedules and starts a backup from one now, named by the time; a paused one is refused', async () => {
    const { calls, invoker } = recorder();
    const deps = depsOf(new MemoryStore(), invoker);
    const list = await answer(request('GET', '/api/schedules'), deps);
    expect(list.body.schedules).toEqual([
      { name: 'nightly', schedule: '0 3 * * *', paused: false, includedNamespaces: ['shop'], ttl: '72h0m0s' },
      expect.objectContaining({ name: 'held', paused: true }),
    ]);
    const started = await answer(request('POST', '/api/schedules/nightly/backups', { body: '{}' }), deps);
    expect(started).toMatchObject({ status: 202, body: { backup: 'nightly-20260113080000' } });
    expect(calls).toEqual([{ how: 'start', name: 'backup', event: { schedule: expect.objectContaining({ kind: 'BackupSchedule', metadata: { name: 'nightly' } }), time: '2026-01-13T08:00:00.000Z' } }]);
    expect((await answer(request('POST', '/api/schedules/held/backups', { body: '{}' }), deps)).status).toBe(409);
    expect((await answer(request('POST', '/api/schedules/none/backups', { body: '{}' }), deps)).status).toBe(404);
  });

  it('follows a restore from its last invocation\'s result while it is InProgress, by priority group, with every failed object', async () => {
    const store = await bucket();
    const deps = depsOf(store);
    expect((await answer(request('GET', '/api/restores/nothing-here'), deps)).status).toBe(404);
    await store.put(layout.restoreKey('r1', 'identity'), JSON.stringify({ restore: 'r1', backup: 'nightly-1', targetCluster: 'target' }));
    // The checkpoint keeps a byte per object, not names: an InProgress restore's objects come from its last stored result.
    await storeResult(store, layout, {
      restore: 'r1', backup: 'nightly-1', phase: 'InProgress', dryRun: false, verified: true, targetCluster: 'target', startedAt: NOW.toISOString(),
      invocations: 1, counts: { created: 1, updated: 0, unchanged: 0, skipped: 0, failed: 1, total: 2 }, skippedByTransform: [],
      items: [
        { apiVersion: 'v1', kind: 'Namespace', name: 'default1', status: 'created' },
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default1', name: 'settings', status: 'failed', message: 'admission webhook said no' },
      ],
      results: { errors: {}, warnings: {} },
    } as RestoreResult);
    const running = await answer(request('GET', '/api/restores/r1'), deps);
    expect(running.body).toMatchObject({ phase: 'InProgress', invocations: 1, failed: [{ kind: 'ConfigMap', name: 'settings', message: 'admission webhook said no' }] });
    const groups = running.body.groups as { groupResource: string; done: number }[];
    expect(groups.map((g) => g.groupResource).indexOf('namespaces')).toBeLessThan(groups.map((g) => g.groupResource).indexOf('configmaps'));
    expect(groups.find((g) => g.groupResource === 'configmaps')).toMatchObject({ done: 1, byStatus: { failed: 1 } });
  });

  it('follows a running restore of any size by priority group from its checkpoint, before any result is stored', async () => {
    const store = await bucket();
    const deps = depsOf(store);
    await store.put(layout.restoreKey('big', 'identity'), JSON.stringify({ restore: 'big', backup: 'nightly-1', targetCluster: 'target' }));
    await saveCheckpoint(store, layout, {
      restore: 'big', backup: 'nightly-1', dryRun: false, startedAt: NOW.toISOString(), invocations: 2,
      plan: { entries: 120_001, sha256: 'f'.repeat(64) },
      groups: [{ name: 'namespaces', entries: 1, byStatus: { created: 1 } }, { name: 'configmaps', entries: 120_000, byStatus: { created: 70_000, failed: 3 } }],
    }, { ifNoneMatch: '*' });
    const running = await answer(request('GET', '/api/restores/big'), deps);
    expect(running.body).toMatchObject({
      phase: 'InProgress', invocations: 2,
      groups: [
        { groupResource: 'namespaces', total: 1, done: 1, byStatus: { created: 1 } },
        { groupResource: 'configmaps', total: 120_000, done: 70_003, byStatus: { created: 70_000, failed: 3 } },
      ],
    });
  });
});
