// The RBAC roles of deploy/rbac, tried as an attacker holding their tokens would try them, on the real API
// servers: every escalation refused (403 from the RBAC authorizer), and a backup and a restore done with the same
// tokens. Tokens come from the API (TokenRequest) for the roles' ServiceAccounts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../lib/backup/run-backup.js';
import { indexBackup } from '../../lib/catalog/index-backup.js';
import { ClusterError } from '../../lib/kube/errors.js';
import { KubeHttp, type KubeRequest } from '../../lib/kube/http.js';
import { KubeCluster } from '../../lib/kube/kube-cluster.js';
import type { KubeObject } from '../../lib/model/object.js';
import { runRestore } from '../../lib/restore/run-restore.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import { parseRestoreSpec } from '../../lib/spec/restore-spec.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { applyFile, kubeconfigWithToken, requestToken } from '../support/role-token.js';
import { createAll } from '../support/seed.js';
import { freshName, stackCluster, stackStore } from '../support/stack.js';

type Plane = 'source' | 'target';
const ROLES: { role: string; plane: Plane; file: string; account: string }[] = [
  { role: 'backup reader', plane: 'source', file: 'deploy/rbac/backup-reader.yaml', account: 'ferry-backup' },
  { role: 'restore writer', plane: 'target', file: 'deploy/rbac/restore-writer.yaml', account: 'ferry-restore' },
];
const admin = { source: stackCluster('source'), target: stackCluster('target') };
const tokens: Record<string, string> = {};
const quietLog = { info: () => undefined, warn: () => undefined };

/** The HTTP status the API server answers `req` with, sent with `token`. */
async function statusOf(plane: Plane, token: string, req: KubeRequest): Promise<number> {
  const http = new KubeHttp(kubeconfigWithToken(plane, token));
  try {
    await http.bytes(req, `${req.method} ${req.path}`);
    return 200;
  } catch (err) {
    if (err instanceof ClusterError) return err.status;
    throw err;
  } finally {
    http.close();
  }
}

const RBAC = 'rbac.authorization.k8s.io';
const trialId = freshName('trial');
const adminAccount = `${trialId}-admin`;

beforeAll(async () => {
  for (const { plane, file, account } of ROLES) {
    await applyFile(admin[plane], file);
    tokens[plane] = await requestToken(plane, 'ferry', account);
    // What an attacker would go for: a cluster-admin ServiceAccount in kube-system, and a webhook to rewrite.
    await createAll(admin[plane], [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: adminAccount, namespace: 'kube-system' } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: adminAccount },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: adminAccount, namespace: 'kube-system' }] },
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: trialId }, webhooks: [] },
    ] as KubeObject[]);
  }
});

afterAll(async () => {
  // What a trial would have created had it not been refused (as on a role that allowed it): never left behind.
  for (const { plane, account } of ROLES) {
    await admin[plane].delete(`${RBAC}/v1`, 'ClusterRoleBinding', `${trialId}-${account}`);
    await admin[plane].delete(`${RBAC}/v1`, 'ClusterRole', `${trialId}-${account}`);
  }
  for (const plane of ['source', 'target'] as const) {
    admin[plane].close();
  }
});

const TRIALS: [string, (account: string) => KubeRequest][] = [
  ['bind cluster-admin to itself with a ClusterRoleBinding', (account) => ({
    method: 'POST', path: `/apis/${RBAC}/v1/clusterrolebindings`,
    body: { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: `${trialId}-${account}` },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: account, namespace: 'ferry' }] },
  })],
  ['make itself a ClusterRole with "*" rules', (account) => ({
    method: 'POST', path: `/apis/${RBAC}/v1/clusterroles`,
    body: { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: `${trialId}-${account}` }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
  })],
  ['create a token for a cluster-admin ServiceAccount in kube-system', () => ({
    method: 'POST', path: `/api/v1/namespaces/kube-system/serviceaccounts/${adminAccount}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } },
  })],
  ['exec into a pod (POST pods/exec)', () => ({ method: 'POST', path: '/api/v1/namespaces/kube-system/pods/etcd/exec', query: { command: 'id', stdout: 'true' } })],
  ['exec into a pod (GET pods/exec, as websockets do)', () => ({ method: 'GET', path: '/api/v1/namespaces/kube-system/pods/etcd/exec', query: { command: 'id', stdout: 'true' } })],
  ['reach a kubelet through nodes/proxy', () => ({ method: 'GET', path: '/api/v1/nodes/node-1/proxy/pods' })],
  ['approve a certificate signing request', () => ({
    method: 'PUT', path: `/apis/certificates.k8s.io/v1/certificatesigningrequests/${trialId}/approval`,
    body: { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: trialId }, status: { conditions: [{ type: 'Approved', status: 'True' }] } },
  })],
  ['patch a mutating admission webhook', () => ({
    method: 'PATCH', path: `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${trialId}`,
    contentType: 'application/merge-patch+json', body: { metadata: { labels: { owned: 'yes' } } },
  })],
];

describe('deploy/rbac tried with its own tokens', () => {
  describe.each(ROLES)('the $role ($plane)', ({ plane, account }) => {
    it.each(TRIALS)('may not %s', async (_trial, request) => {
      expect(await statusOf(plane, tokens[plane]!, request(account))).toBe(403);
    });
  });

  it('a backup with the reader token and a restore with the writer token succeed; privileged RBAC stays behind', async () => {
    const store = stackStore();
    const layout = new BucketLayout('it-rbac');
    const ns = freshName('rbac-app');
    const labels = { trial: trialId };
    const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}), labels });
    await createAll(admin.source, [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('settings', ns), data: { level: 'info' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: meta('creds', ns), type: 'Opaque', stringData: { password: 'p' } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('app', ns) },
      { apiVersion: 'v1', kind: 'Service', metadata: meta('web', ns), spec: { ports: [{ port: 80 }], selector: { app: 'web' } } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('web', ns), spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { serviceAccountName: 'app', containers: [{ name: 'web', image: 'nginx:1.27' }] } } } },
      { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: meta('read-settings', ns), rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }] },
      { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: meta('app-reads-settings', ns),
        roleRef: { apiGroup: RBAC, kind: 'Role', name: 'read-settings' }, subjects: [{ kind: 'ServiceAccount', name: 'app', namespace: ns }] },
      // What a hostile or careless backup carries: cluster-admin for the application's account.
      { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: meta(`${ns}-admin`),
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'app', namespace: ns }] },
    ] as KubeObject[]);

    const reader = new KubeCluster(kubeconfigWithToken('source', tokens.source!));
    const backupName = freshName('rbac-backup');
    const spec = parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: backupName }, spec: {
      includedNamespaces: [ns], includeClusterResources: true, labelSelector: { matchLabels: labels },
      // Only built-in kinds: custom resources other tests left in the source are outside the reader's groups.
      includedResources: ['configmaps', 'secrets', 'serviceaccounts', 'services', 'deployments', 'roles', 'rolebindings', 'clusterrolebindings'],
    } }, 'backup');
    const backup = await runBackup(spec, { store, layout, cluster: reader, clock: () => new Date() });
    reader.close();
    expect(backup.results.errors).toEqual({});
    expect(backup.phase).toBe('Completed');
    expect(backup.itemsBackedUp).toBe(8);
    await indexBackup(backupName, { store, layout, now: () => new Date(), log: quietLog });

    const writer = new KubeCluster(kubeconfigWithToken('target', tokens.target!));
    const restore = (name: string, extra: Record<string, unknown>) => runRestore({ name, dryRun: false, spec: parseRestoreSpec({
      apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name }, spec: { backupName, ...extra } }, 'restore') },
    { store, layout, cluster: writer, now: () => new Date(), log: quietLog });
    const result = await restore(freshName('rbac-restore'), {});
    expect(result.items.filter((i) => i.status === 'failed')).toEqual([]);
    expect(result.phase).toBe('Completed');
    expect(result.counts.created).toBe(7);
    expect(result.skippedByTransform).toEqual([expect.objectContaining({ kind: 'ClusterRoleBinding', name: `${ns}-admin`,
      reason: expect.stringContaining('binds the built-in ClusterRole cluster-admin') as string })]);
    expect(await admin.target.read('apps/v1', 'Deployment', 'web', ns)).toBeDefined();
    expect(await admin.target.read(`${RBAC}/v1`, 'RoleBinding', 'app-reads-settings', ns)).toBeDefined();
    expect(await admin.target.read(`${RBAC}/v1`, 'ClusterRoleBinding', `${ns}-admin`)).toBeUndefined();

    // Opting in does not make the writer able to grant what it does not hold: the API server refuses the binding.
    const optedIn = await restore(freshName('rbac-restore-optin'), { restorePrivilegedRBAC: true });
    expect(optedIn.items.filter((i) => i.status === 'failed')).toEqual([expect.objectContaining({ kind: 'ClusterRoleBinding', name: `${ns}-admin`,
      message: expect.stringMatching(/403|forbidden/i) as string })]);
    expect(await admin.target.read(`${RBAC}/v1`, 'ClusterRoleBinding', `${ns}-admin`)).toBeUndefined();
    writer.close();
  });
});
