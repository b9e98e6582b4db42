// deploy/rbac's roles on the stack: their manifests applied, a ServiceAccount's token asked of the API server
// (TokenRequest), and the plane's kubeconfig with the admin's credentials replaced by such a token.
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import type { Cluster } from '../../lib/kube/cluster.js';
import { AlreadyExists } from '../../lib/kube/errors.js';
import { KubeHttp } from '../../lib/kube/http.js';
import { loadKubeConfig } from '../../lib/kube/kube-cluster.js';
import type { KubeObject } from '../../lib/model/object.js';
import { parseDocuments } from '../../lib/spec/documents.js';
import { kubeconfigPath } from './stack.js';

/** Applies every object of a manifest file, replacing what an earlier version of it created. */
export async function applyFile(cluster: Cluster, file: string): Promise<void> {
  for (const doc of parseDocuments(readFileSync(file, 'utf8'), file)) {
    const obj = doc.value as KubeObject;
    // Replaced whole, so that rules an earlier version of the file granted do not linger.
    await cluster.create(obj).catch(async (err: unknown) => {
      if (!(err instanceof AlreadyExists)) throw err;
      const live = await cluster.read(obj.apiVersion, obj.kind, obj.metadata.name!, obj.metadata.namespace);
      await cluster.patch(obj, { ...obj, metadata: { ...obj.metadata, resourceVersion: live?.metadata.resourceVersion } }, 'merge');
    });
  }
}

/** A token for a ServiceAccount, asked of the API server (TokenRequest) by the stack's admin. */
export async function requestToken(plane: 'source' | 'target', namespace: string, account: string): Promise<string> {
  const http = new KubeHttp(loadKubeConfig(kubeconfigPath(plane)));
  try {
    const answer = await http.json<{ status: { token: string } }>({
      method: 'POST', path: `/api/v1/namespaces/${namespace}/serviceaccounts/${account}/token`,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    }, `token for ${namespace}/${account}`);
    return answer.status.token;
  } finally {
    http.close();
  }
}

/** The plane's kubeconfig with the admin's credentials replaced by `token`. */
export function kubeconfigWithToken(plane: 'source' | 'target', token: string): KubeConfig {
  const base = loadKubeConfig(kubeconfigPath(plane));
  const cluster = base.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster], users: [{ name: 'role', token }],
    contexts: [{ name: 'role', cluster: cluster.name, user: 'role' }], currentContext: 'role',
  });
  return kc;
}
