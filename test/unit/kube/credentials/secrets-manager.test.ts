import { describe, expect, it } from 'vitest';
import { CredentialError } from '../../../../lib/kube/credentials/errors.js';
import { SecretKubeconfigs, type SecretReader } from '../../../../lib/kube/credentials/secrets-manager.js';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: {server: 'https://a.example:6443'}
- name: b
  cluster: {server: 'https://b.example:6443'}
users:
- name: admin
  user: {token: token-from-the-secret-123}
contexts:
- name: ctx-a
  context: {cluster: a, user: admin}
- name: ctx-b
  context: {cluster: b, user: admin}
current-context: ctx-a
`;

/** A reader that records every call and answers from a table. */
function recordingReader(values: Record<string, { text?: string; binary?: Uint8Array } | Error>) {
  const calls: [string, string | undefined][] = [];
  const read: SecretReader = async (id, region) => {
    calls.push([id, region]);
    const v = values[id];
    if (v === undefined) throw Object.assign(new Error(`Secrets Manager can't find the specified secret.`), { name: 'ResourceNotFoundException' });
    if (v instanceof Error) throw v;
    return v;
  };
  return { read, calls };
}

describe('SecretKubeconfigs', () => {
  it('reads a secret once per cold start however many times a cluster is opened', async () => {
    const { read, calls } = recordingReader({ 'ferry/prod': { text: KUBECONFIG } });
    const secrets = new SecretKubeconfigs(read);
    await secrets.kubeConfig('prod', { secretId: 'ferry/prod', region: 'eu-west-1' });
    await secrets.kubeConfig('prod', { secretId: 'ferry/prod', region: 'eu-west-1' });
    expect(calls).toEqual([['ferry/prod', 'eu-west-1']]);
  });

  it.each([
    ['the kubeconfig\'s current context when none is named', undefined, 'https://a.example:6443'],
    ['the named context', 'ctx-b', 'https://b.example:6443'],
  ])('uses %s', async (_case, context, server) => {
    const { read } = recordingReader({ s: { text: KUBECONFIG } });
    const kc = await new SecretKubeconfigs(read).kubeConfig('prod', { secretId: 's', ...(context ? { context } : {}) });
    expect(kc.getCurrentCluster()?.server).toBe(server);
  });

  it.each([
    ['a JSON object with the kubeconfig under "kubeconfig"', { text: JSON.stringify({ kubeconfig: KUBECONFIG }) }],
    ['a binary secret', { binary: new TextEncoder().encode(KUBECONFIG) }],
  ])('accepts %s', async (_case, value) => {
    const { read } = recordingReader({ s: value });
    const kc = await new SecretKubeconfigs(read).kubeConfig('prod', { secretId: 's' });
    expect(kc.getCurrentUser()?.token).toBe('token-from-the-secret-123');
  });

  it('hands every credential it reads to onSecret, so logs can mask it', async () => {
    const seen: string[] = [];
    const { read } = recordingReader({ s: { text: KUBECONFIG } });
    await new SecretKubeconfigs(read, (v) => seen.push(v)).kubeConfig('prod', { secretId: 's' });
    expect(seen).toContain('token-from-the-secret-123');
  });

  it('names a missing context and the contexts there are', async () => {
    const { read } = recordingReader({ s: { text: KUBECONFIG } });
    await expect(new SecretKubeconfigs(read).kubeConfig('prod', { secretId: 's', context: 'nope' }))
      .rejects.toThrow('has no context "nope" (has: ctx-a, ctx-b)');
  });

  it('refuses a secret that is not a kubeconfig without quoting it', async () => {
    const { read } = recordingReader({ s: { text: 'password: hunter2-is-not-a-kubeconfig: [' } });
    const err = await new SecretKubeconfigs(read).kubeConfig('prod', { secretId: 's' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialError);
    expect((err as Error).message).toContain('secret s does not hold a kubeconfig');
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('reports an empty secret', async () => {
    const { read } = recordingReader({ s: { text: '  ' } });
    await expect(new SecretKubeconfigs(read).kubeConfig('prod', { secretId: 's' })).rejects.toThrow('secret s is empty');
  });

  it('does not cache a failed read: the next open asks again', async () => {
    const { read, calls } = recordingReader({});
    const secrets = new SecretKubeconfigs(read);
    await expect(secrets.kubeConfig('prod', { secretId: 'missing' })).rejects.toThrow('cannot read secret missing: ResourceNotFoundException');
    await expect(secrets.kubeConfig('prod', { secretId: 'missing' })).rejects.toThrow(CredentialError);
    expect(calls).toHaveLength(2);
  });
});
