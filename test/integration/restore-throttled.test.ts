// Throttling made visible, on the real stack: the target's API Priority and Fairness is configured (a FlowSchema
// and a PriorityLevelConfiguration of its own) to give the restore's ServiceAccount a tiny share and to answer 429
// beyond it. The restore waits the 429s out, succeeds, and its result, its summary and the function's answer say
// how many there were.
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../lib/backup/run-backup.js';
import { indexBackup } from '../../lib/catalog/index-backup.js';
import { formatSummary } from '../../lib/cli/restore.js';
import { KubeHttp } from '../../lib/kube/http.js';
import { KubeCluster, loadKubeConfig } from '../../lib/kube/kube-cluster.js';
import type { KubeObject } from '../../lib/model/object.js';
import { runRestore } from '../../lib/restore/run-restore.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import { parseRestoreSpec } from '../../lib/spec/restore-spec.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { createAll } from '../support/seed.js';
import { freshName, kubeconfigPath, stackCluster, stackStore } from '../support/stack.js';

const FLOW = 'flowcontrol.apiserver.k8s.io/v1';
const id = freshName('throttled');
const admin = stackCluster('target');
const quietLog = { info: () => undefined, warn: () => undefined };

afterAll(async () => {
  await admin.delete(FLOW, 'FlowSchema', id);
  await admin.delete(FLOW, 'PriorityLevelConfiguration', id);
  await admin.delete('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', id);
  admin.close();
});

/** A ServiceAccount in `namespace` whose requests APF admits a few at a time and answers 429 beyond, and its token. */
async function throttledAccount(namespace: string): Promise<string> {
  await createAll(admin, [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'restorer', namespace } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: id },
      // What it may do is not what this test is about (test/integration/rbac-trials.test.ts is).
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'restorer', namespace }] },
    { apiVersion: FLOW, kind: 'PriorityLevelConfiguration', metadata: { name: id }, spec: { type: 'Limited', limited: {
      nominalConcurrencyShares: 1, lendablePercent: 0, borrowingLimitPercent: 0, limitResponse: { type: 'Reject' } } } },
    { apiVersion: FLOW, kind: 'FlowSchema', metadata: { name: id }, spec: {
      priorityLevelConfiguration: { name: id }, matchingPrecedence: 50, distinguisherMethod: { type: 'ByUser' },
      rules: [{ subjects: [{ kind: 'ServiceAccount', serviceAccount: { name: 'restorer', namespace } }],
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }] }] } },
  ] as KubeObject[]);
  // The API server's APF controller marks the schema once it has taken it in.
  for (let i = 0; i < 200; i++) {
    const fs = await admin.read(FLOW, 'FlowSchema', id) as KubeObject & { status?: { conditions?: unknown[] } };
    if (fs.status?.conditions?.length) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const http = new KubeHttp(loadKubeConfig(kubeconfigPath('target')));
  const { status } = await http.json<{ status: { token: string } }>({ method: 'POST', path: `/api/v1/namespaces/${namespace}/serviceaccounts/restorer/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } } }, 'token');
  http.close();
  return status.token;
}

function clusterWithToken(token: string): KubeCluster {
  const cluster = loadKubeConfig(kubeconfigPath('target')).getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [cluster], users: [{ name: 'u', token }], contexts: [{ name: 'c', cluster: cluster.name, user: 'u' }], currentContext: 'c' });
  return new KubeCluster(kc);
}

describe('a throttled restore', () => {
  it('waits out the 429s and reports how many it got, in the result and in the summary', async () => {
    const store = stackStore();
    const layout = new BucketLayout(freshName('it-throttled'));
    const ns = freshName('throttled');
    await createAll(admin, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }]);
    const token = await throttledAccount(ns);

    const source = stackCluster('source');
    await createAll(source, Array.from({ length: 120 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: ns }, data: { i: String(i) } })));
    const spec = parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: 'b' }, spec: { includedNamespaces: [ns], includedResources: ['configmaps'] } }, 'b');
    expect((await runBackup(spec, { store, layout, cluster: source, clock: () => new Date() })).phase).toBe('Completed');
    source.close();
    await indexBackup('b', { store, layout, now: () => new Date(), log: quietLog });

    const target = clusterWithToken(token);
    const result = await runRestore({ name: 'r', dryRun: false, spec: parseRestoreSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore',
      metadata: { name: 'r' }, spec: { backupName: 'b' } }, 'r') }, { store, layout, cluster: target, now: () => new Date(), log: quietLog, concurrency: 32 });
    target.close();
    expect(result.items.filter((i) => i.status === 'failed')).toEqual([]);
    expect(result.counts.created).toBe(120);
    expect(result.apiRequests!.throttled).toBeGreaterThan(0);
    expect(result.apiRequests!.retries).toBeGreaterThanOrEqual(result.apiRequests!.throttled);
    expect(result.apiRequests!.requests).toBeGreaterThan(120);
    expect(formatSummary(result)).toContain(`API server: ${result.apiRequests!.requests} requests, ${result.apiRequests!.retries} retried, ${result.apiRequests!.throttled} answered 429 (throttled; waited out)`);
  });
});
