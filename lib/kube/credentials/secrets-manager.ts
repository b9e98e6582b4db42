import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { KubeConfig } from '@kubernetes/client-node';
import { CredentialError } from './errors.js';

/** Reads a secret's value; the real one is `awsSecretReader()`, tests pass fakes. */
export type SecretReader = (secretId: string, region: string | undefined) => Promise<{ text?: string; binary?: Uint8Array }>;

/**
 * Kubeconfigs kept in AWS Secrets Manager, read once per secret and cold start (GetSecretValue costs a call and
 * a few milliseconds; a rotated secret is picked up by the next cold start).
 */
export class SecretKubeconfigs {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(private readonly read: SecretReader, private readonly onSecret: (value: string) => void = () => undefined) {}

  /** The kubeconfig a secret holds, as a KubeConfig on `context` (or the kubeconfig's current context). */
  async kubeConfig(cluster: string, source: { secretId: string; region?: string; context?: string }): Promise<KubeConfig> {
    const text = await this.text(cluster, source.secretId, source.region);
    const kc = new KubeConfig();
    try {
      kc.loadFromString(text);
    } catch (err) {
      // The parser's message may quote the secret: keep only its kind.
      throw new CredentialError(`cluster ${cluster}: secret ${source.secretId} does not hold a kubeconfig (${(err as Error).name})`, cluster);
    }
    if (source.context) {
      if (!kc.getContexts().some((c) => c.name === source.context)) {
        throw new CredentialError(`cluster ${cluster}: the kubeconfig in secret ${source.secretId} has no context "${source.context}" (has: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`, cluster);
      }
      kc.setCurrentContext(source.context);
    }
    if (!kc.getCurrentCluster()) throw new CredentialError(`cluster ${cluster}: the kubeconfig in secret ${source.secretId} has no current cluster`, cluster);
    for (const user of kc.getUsers()) this.onSecretsOf(user);
    return kc;
  }

  private text(cluster: string, secretId: string, region: string | undefined): Promise<string> {
    const key = `${region ?? ''}|${secretId}`;
    let pending = this.cache.get(key);
    if (!pending) {
      pending = this.fetch(cluster, secretId, region);
      // A failed read is not cached: the next invocation tries again.
      pending.catch(() => this.cache.delete(key));
      this.cache.set(key, pending);
    }
    return pending;
  }

  private async fetch(cluster: string, secretId: string, region: string | undefined): Promise<string> {
    const value = await this.read(secretId, region).catch((err: unknown) => {
      throw new CredentialError(`cluster ${cluster}: cannot read secret ${secretId}: ${(err as Error).name}: ${(err as Error).message}`, cluster, { cause: err });
    });
    const raw = value.text ?? (value.binary ? Buffer.from(value.binary).toString('utf8') : '');
    if (!raw.trim()) throw new CredentialError(`cluster ${cluster}: secret ${secretId} is empty`, cluster);
    this.onSecret(raw);
    return unwrap(raw);
  }

  private onSecretsOf(user: { token?: string; password?: string; keyData?: string; certData?: string }): void {
    for (const v of [user.token, user.password, user.keyData]) if (v) this.onSecret(v);
  }
}

/** A secret may hold the kubeconfig itself, or a JSON object with the kubeconfig under `kubeconfig`. */
function unwrap(raw: string): string {
  const trimmed = raw.trim();
  if (!trimmed.startsWith('{')) return raw;
  try {
    const parsed = JSON.parse(trimmed) as Record<string, unknown>;
    return typeof parsed.kubeconfig === 'string' ? parsed.kubeconfig : raw;
  } catch {
    return raw;
  }
}

/** GetSecretValue through @aws-sdk/client-secrets-manager (loaded on first use), one client per region. */
export function awsSecretReader(): SecretReader {
  const clients = new Map<string, SecretsManagerClient>();
  return async (secretId, region) => {
    const { SecretsManagerClient: Client, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const key = region ?? '';
    let client = clients.get(key);
    if (!client) {
      client = new Client(region ? { region } : {});
      clients.set(key, client);
    }
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    return { text: out.SecretString, binary: out.SecretBinary };
  };
}
