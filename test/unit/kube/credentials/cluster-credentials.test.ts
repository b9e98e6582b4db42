import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClusterCredentials, CredentialError } from '../../../../lib/kube/credentials/index.js';
import { openCluster } from '../../../../lib/compose.js';
import type { FerryConfig } from '../../../../lib/spec/config.js';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- {name: local, cluster: {server: 'https://127.0.0.1:6443'}}
- {name: other, cluster: {server: 'https://127.0.0.2:6443'}}
users:
- {name: admin, user: {token: file-token-abcdef}}
contexts:
- {name: local, context: {cluster: local, user: admin}}
- {name: other, context: {cluster: other, user: admin}}
current-context: local
`;

function kubeconfigFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ferry-cred-')), 'kubeconfig');
  writeFileSync(file, KUBECONFIG);
  return file;
}

/** Credentials whose AWS sides fail loudly if touched, so a test proves which source was used. */
function offlineCredentials(seen: string[] = []) {
  return new ClusterCredentials({
    readSecret: async (id) => (id === 'ferry/kube' ? { text: KUBECONFIG.replace('127.0.0.1', '10.0.0.1') } : Promise.reject(new Error('no such secret'))),
    eks: {
      describeCluster: async (name) => ({ endpoint: `https://${name}.eks.example`, caData: Buffer.from('ca').toString('base64') }),
      credentials: async () => ({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'example-secret-key' }),
    },
    clock: () => new Date('2024-01-02T03:04:05Z'),
    onSecret: (v) => seen.push(v),
  });
}

describe('ClusterCredentials.kubeConfig', () => {
  it.each([
    ['a kubeconfig file on its current context', () => ({ type: 'kubeconfig' as const, file: kubeconfigFile() }), 'https://127.0.0.1:6443'],
    ['a kubeconfig file on a named context', () => ({ type: 'kubeconfig' as const, file: kubeconfigFile(), context: 'other' }), 'https://127.0.0.2:6443'],
    ['a Secrets Manager secret', () => ({ type: 'secretsManager' as const, secretId: 'ferry/kube', region: 'eu-west-1' }), 'https://10.0.0.1:6443'],
    ['an EKS cluster', () => ({ type: 'eks' as const, name: 'prod', region: 'us-west-2' }), 'https://prod.eks.example'],
  ])('reaches the server of %s', async (_case, source, server) => {
    const kc = await offlineCredentials().kubeConfig('c', source());
    expect(kc.getCurrentCluster()?.server).toBe(server);
  });

  it('registers the token of a kubeconfig file for masking', async () => {
    const seen: string[] = [];
    await offlineCredentials(seen).kubeConfig('c', { type: 'kubeconfig', file: kubeconfigFile() });
    expect(seen).toContain('file-token-abcdef');
  });

  it('names the cluster and the file when a kubeconfig file cannot be read', async () => {
    const err = await offlineCredentials().kubeConfig('source', { type: 'kubeconfig', file: '/nonexistent/kubeconfig' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialError);
    expect((err as Error).message).toContain('cluster source: cannot load kubeconfig /nonexistent/kubeconfig');
  });
});

describe('openCluster', () => {
  const config = (file: string): FerryConfig => ({
    clusters: { local: { type: 'kubeconfig', file }, vault: { type: 'secretsManager', secretId: 'ferry/kube' } },
    storageLocations: {}, defaultStorageLocation: 'default',
  });

  it('opens a cluster from a Secrets Manager source through the credentials it is given', async () => {
    const cluster = await openCluster(config(kubeconfigFile()), 'vault', { credentials: offlineCredentials() });
    expect(typeof cluster.discover).toBe('function');
    cluster.close();
  });

  it('refuses a cluster name the config does not define, listing the ones it does', async () => {
    await expect(openCluster(config(kubeconfigFile()), 'nope', { credentials: offlineCredentials() }))
      .rejects.toThrow('cluster "nope" is not in the config (known: local, vault)');
  });
});
