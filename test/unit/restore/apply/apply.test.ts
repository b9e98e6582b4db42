import { describe, expect, it } from 'vitest';
import { ClusterError } from '../../../../lib/kube/errors.js';
import type { KubeObject } from '../../../../lib/model/object.js';
import { applyAll, type ApplyAllOptions, type ApplyGroup, type ApplyProgress } from '../../../../lib/restore/apply/apply-all.js';
import { itemKey, type ItemOutcome } from '../../../../lib/restore/apply/outcome.js';
import { applyItem } from '../../../../lib/restore/apply/apply-item.js';
import { firstDifference } from '../../../../lib/restore/apply/compare.js';
import { FakeCluster } from '../../../support/fake-cluster.js';
import { runPool } from '../../../../lib/pool.js';

const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const cm = (name: string, data: Record<string, string>, namespace = 'app'): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { 'velero.io/restore-name': 'r1' } }, data });

/** Progress keyed by the objects' keys, for entries that are objects. */
function keyedProgress(done = new Map<string, ItemOutcome>()): ApplyProgress<KubeObject> & { outcomes: Map<string, ItemOutcome> } {
  return {
    outcomes: done, get done() { return done.size; },
    has: (o) => done.has(itemKey(o)), record: (o, outcome) => { done.set(itemKey(o), outcome); }, failed: (o) => done.get(itemKey(o))?.status === 'failed',
  };
}

function options(overrides: Partial<ApplyAllOptions> = {}): ApplyAllOptions {
  return {
    policy: 'none', dryRun: false, concurrency: 4, namespaceLabels: { 'velero.io/restore-name': 'r1' }, progress: keyedProgress(),
    shouldStop: () => false, crdWait: { timeoutMs: 1000, intervalMs: 10, sleep: async () => undefined, now: () => 0 },
    ...overrides,
  };
}

/** An object an earlier restore (r0) created. */
const earlier = (obj: KubeObject): KubeObject => ({ ...obj, metadata: { ...obj.metadata, labels: { 'velero.io/restore-name': 'r0' } } });

describe('applyItem', () => {
  it.each([
    ['a new object is created', [], 'none', 'created', undefined],
    ['an identical existing object is unchanged under policy none', [earlier(cm('a', { k: 'v' }))], 'none', 'unchanged', undefined],
    ['an identical existing object is unchanged under policy update, with no patch', [earlier(cm('a', { k: 'v' }))], 'update', 'unchanged', undefined],
    ['a different existing object is skipped with a warning under policy none', [earlier(cm('a', { k: 'old' }))], 'none', 'skipped', /differs from the backup at data.k/],
    ['a different existing object is patched under policy update', [earlier(cm('a', { k: 'old' }))], 'update', 'updated', /differed at data.k/],
    ['an existing object this restore wrote (a retried create whose first try landed) counts as created, not skipped',
      [cm('a', { k: 'defaulted by the server' })], 'none', 'created', /earlier attempt of this restore/],
  ] as const)('%s', async (_name, existing, policy, status, message) => {
    const cluster = new FakeCluster().seed(ns('app'), ...existing);
    const outcome = await applyItem(cluster, cm('a', { k: 'v' }), { policy, dryRun: false });
    expect(outcome.status).toBe(status);
    if (message) expect(outcome.message).toMatch(message);
    expect(cluster.keys('patch')).toHaveLength(status === 'updated' ? 1 : 0);
    if (status === 'updated') expect((await cluster.read('v1', 'ConfigMap', 'a', 'app'))?.data).toEqual({ k: 'v' });
  });

  it('an object from an earlier restore differs only by the restore label and counts as unchanged', async () => {
    const cluster = new FakeCluster().seed(ns('app'), earlier(cm('a', { k: 'v' })));
    expect((await applyItem(cluster, cm('a', { k: 'v' }), { policy: 'none', dryRun: false })).status).toBe('unchanged');
  });

  it('a refused object fails with the API server message and nothing is thrown', async () => {
    const cluster = new FakeCluster().seed(ns('app'));
    cluster.failOnCreate.set('v1/ConfigMap/app/a', new ClusterError('create ConfigMap app/a: 422 Invalid: data.k: bad', 422));
    const outcome = await applyItem(cluster, cm('a', { k: 'v' }), { policy: 'none', dryRun: false });
    expect(outcome).toMatchObject({ status: 'failed', message: expect.stringContaining('422 Invalid') });
  });

  it('a bug (an error that is not the API server\'s) is thrown as it is, not called the object\'s failure', async () => {
    const cluster = new FakeCluster().seed(ns('app'));
    const bug = new TypeError("Cannot read properties of undefined (reading 'name')");
    cluster.failOnCreate.set('v1/ConfigMap/app/a', bug);
    await expect(applyItem(cluster, cm('a', { k: 'v' }), { policy: 'none', dryRun: false })).rejects.toBe(bug);
  });

  it('a dry run into a namespace that does not exist yet validates the object in a stand-in namespace and writes nothing', async () => {
    const cluster = new FakeCluster().seed(ns('default'));
    const outcome = await applyItem(cluster, cm('a', { k: 'v' }, 'new-ns'), { policy: 'none', dryRun: true, missingNamespaces: new Set(['new-ns']) });
    expect(outcome).toMatchObject({ status: 'created', warning: true });
    expect(cluster.calls.filter((c) => c.op === 'create')).toEqual([{ op: 'create', key: 'v1/ConfigMap/default/a', dryRun: true }]);
    expect(cluster.objects.size).toBe(1);
  });
});

describe('applyAll', () => {
  it('applies groups in order and creates the namespaces the objects need', async () => {
    const cluster = new FakeCluster();
    const groups: ApplyGroup[] = [{ name: 'configmaps', items: [cm('a', {}), cm('b', {})] }, { name: 'other', items: [cm('c', {})] }];
    const result = await applyAll(cluster, groups, options());
    expect(result.finished).toBe(true);
    expect(cluster.keys('create')).toEqual(['v1/Namespace//app', 'v1/ConfigMap/app/a', 'v1/ConfigMap/app/b', 'v1/ConfigMap/app/c']);
  });

  it('a namespace the backup brings is created by its own group, not beforehand', async () => {
    const cluster = new FakeCluster();
    await applyAll(cluster, [{ name: 'namespaces', items: [ns('app')] }, { name: 'configmaps', items: [cm('a', {})] }], options());
    expect(cluster.keys('create')).toEqual(['v1/Namespace//app', 'v1/ConfigMap/app/a']);
  });

  it('a stop request ends the run early, and a second run with the recorded outcomes finishes without repeating work', async () => {
    const cluster = new FakeCluster();
    const groups: ApplyGroup[] = [{ name: 'configmaps', items: [cm('a', {}), cm('b', {}), cm('c', {})] }];
    const progress = keyedProgress();
    let budget = 2;
    const first = await applyAll(cluster, groups, options({ concurrency: 1, progress, shouldStop: () => budget-- <= 0 }));
    expect(first.finished).toBe(false);
    expect([...progress.outcomes.keys()]).toEqual(['v1/ConfigMap/app/a', 'v1/ConfigMap/app/b']);
    const second = await applyAll(cluster, groups, options({ concurrency: 1, progress }));
    expect(second.finished).toBe(true);
    expect(cluster.keys('create').filter((k) => k.includes('ConfigMap'))).toEqual(['v1/ConfigMap/app/a', 'v1/ConfigMap/app/b', 'v1/ConfigMap/app/c']);
  });

  it('custom resources wait until their CRD is Established', async () => {
    const cluster = new FakeCluster();
    cluster.crdReadsUntilEstablished = 2;
    const crd: KubeObject = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' } };
    const widget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'app' } };
    let sleeps = 0;
    await applyAll(cluster, [{ name: 'customresourcedefinitions.apiextensions.k8s.io', items: [crd] }, { name: 'widgets.example.com', items: [widget] }],
      options({ crdWait: { timeoutMs: 1000, intervalMs: 10, sleep: async () => { sleeps++; }, now: () => 0 } }));
    expect(sleeps).toBe(2);
    const order = cluster.calls.map((c) => `${c.op} ${c.key}`);
    expect(order.indexOf('create example.com/v1/Widget/app/w')).toBeGreaterThan(order.lastIndexOf('read apiextensions.k8s.io/v1/CustomResourceDefinition//widgets.example.com'));
  });
});

describe('firstDifference', () => {
  it.each([
    ['fields only the live object has do not count', { data: { a: '1' } }, { data: { a: '1', b: '2' } }, undefined],
    ['a changed nested field is named by its path', { spec: { template: { x: 1 } } }, { spec: { template: { x: 2 } } }, 'spec.template.x'],
    ['a list of another length differs', { spec: { ports: [1] } }, { spec: { ports: [1, 2] } }, 'spec.ports'],
    ['status is never compared', { status: { phase: 'A' } }, { status: { phase: 'B' } }, undefined],
  ])('%s', (_name, desired, live, expected) => {
    const base = { apiVersion: 'v1', kind: 'X', metadata: { name: 'x' } };
    expect(firstDifference({ ...base, ...desired }, { ...base, ...live })).toBe(expected);
  });
});

describe('runPool', () => {
  it('never runs more than the concurrency at once', async () => {
    let running = 0;
    let peak = 0;
    await runPool(Array.from({ length: 20 }, (_, i) => i), 3, async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
    });
    expect(peak).toBe(3);
  });
});
