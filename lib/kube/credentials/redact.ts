/**
 * Keeps credentials out of logs and results. Three nets: values known to be secret (a token read from a secret, a
 * session token) are replaced wherever they appear; well-known shapes in text (bearer tokens, EKS tokens, AWS access
 * keys, presigned-URL signatures, private keys, `token: ...` lines of a kubeconfig) are masked even when nobody
 * registered them; and in structured values, fields are masked by what holds them (a `headers` record, a kubeconfig's
 * users, an AWS credentials object, a Kubernetes Secret's data), never by a key that merely looks secret-ish: a
 * namespace named `vault-secret` or a field named `automountServiceAccountToken` is data and is shown.
 */

import { isRecord } from '../../model/object.js';

/** What a masked value becomes. */
export const REDACTED = '[redacted]';

const PATTERNS: [RegExp, string][] = [
  // PEM private keys, whole.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, REDACTED],
  // EKS tokens (aws-iam-authenticator format).
  [/k8s-aws-v1\.[A-Za-z0-9_-]+/g, `k8s-aws-v1.${REDACTED}`],
  // Authorization headers and bearer tokens.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // Presigned-URL credentials and signatures.
  [/(X-Amz-(?:Signature|Security-Token|Credential)=)[^&\s"']+/gi, `$1${REDACTED}`],
  // AWS access key ids.
  [/\b(AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b/g, REDACTED],
  // `key: value` / `key=value` / `"key": "value"` for credential keys, in YAML, JSON, env files or URLs. The key must
  // start a word (an underscore may join it, as in env names), so automountServiceAccountToken or db-password is not one.
  [/((?<![A-Za-z0-9.-])"?(?:token|client-key-data|client-certificate-data|password|aws_secret_access_key|aws_session_token|secretAccessKey|sessionToken)"?\s*[:=]\s*"?)[^\s",}&]+/gi, `$1${REDACTED}`],
];

/** Replaces known secrets and credential-shaped text in a string. */
export class Redactor {
  private readonly known = new Set<string>();

  /** Registers a value that must never be shown (ignored when too short to be a secret). */
  add(...values: (string | undefined)[]): this {
    for (const v of values) if (v && v.length >= 6) this.known.add(v);
    return this;
  }

  /** The text with every known secret and credential-shaped substring masked. */
  text(input: string): string {
    let out = input;
    // Longest first, so a secret that contains another is masked whole.
    for (const secret of [...this.known].sort((a, b) => b.length - a.length)) out = out.split(secret).join(REDACTED);
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }

  /** A deep copy of a value with credential fields masked and every string passed through `text`. */
  value(input: unknown): unknown {
    return this.walk(input, new WeakSet());
  }

  /** An error as a plain record (name, message, code, its stack, and its causes without theirs), masked. */
  error(err: unknown, withStack = true): Record<string, unknown> {
    if (!(err instanceof Error)) return { message: this.text(String(err)) };
    const out: Record<string, unknown> = { name: err.name, message: this.text(err.message) };
    for (const k of ['code', 'status', 'reason', '$fault'] as const) {
      const v = (err as unknown as Record<string, unknown>)[k];
      if (typeof v === 'string' || typeof v === 'number') out[k] = v;
    }
    if (err.stack && withStack) out.stack = this.text(err.stack);
    if (err.cause !== undefined) out.cause = this.error(err.cause, false);
    return out;
  }

  private walk(input: unknown, seen: WeakSet<object>): unknown {
    if (typeof input === 'string') return this.text(input);
    if (input instanceof Error) return this.error(input);
    if (input === null || typeof input !== 'object') return input;
    if (seen.has(input)) return '[circular]';
    seen.add(input);
    if (Array.isArray(input)) return input.map((v) => this.walk(v, seen));
    if (input instanceof Date) return input.toISOString();
    if (input instanceof Uint8Array) return `[${input.byteLength} bytes]`;
    const record = input as Record<string, unknown>;
    const masked = credentialFields(record);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) {
      if (masked(k)) out[k] = mask(v);
      else if (isRecord(v) && record.kind === 'Secret' && (k === 'data' || k === 'stringData')) out[k] = maskValues(v);
      else if (isRecord(v) && record.kind === 'Secret' && k === 'metadata') out[k] = this.walk(withoutAppliedCopy(v), seen);
      else if (isRecord(v) && /^headers$/i.test(k)) out[k] = this.headers(v, seen);
      else if (k === 'users' && Array.isArray(v) && isKubeconfig(record)) out[k] = v.map((u) => this.kubeconfigUser(u, seen));
      else out[k] = this.walk(v, seen);
    }
    return out;
  }

  private headers(headers: Record<string, unknown>, seen: WeakSet<object>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(headers)) out[k] = CREDENTIAL_HEADERS.has(k.toLowerCase()) ? mask(v) : this.walk(v, seen);
    return out;
  }

  /** One entry of a kubeconfig's users, as a file has it (`{name, user: {...}}`) or as client-node flattens it. */
  private kubeconfigUser(entry: unknown, seen: WeakSet<object>): unknown {
    if (!isRecord(entry)) return this.walk(entry, seen);
    const maskUser = (user: Record<string, unknown>): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(user)) {
        if (KUBECONFIG_USER_SECRETS.has(k)) out[k] = mask(v);
        else if (k === 'exec' && isRecord(v) && Array.isArray(v.env)) {
          // An exec plugin's environment often carries the credential it exchanges; its names stay, its values go.
          out[k] = { ...(this.walk({ ...v, env: [] }, seen) as object), env: v.env.map((e) => (isRecord(e) ? { ...e, value: mask(e.value) } : mask(e))) };
        } else out[k] = this.walk(v, seen);
      }
      return out;
    };
    if (isRecord(entry.user)) return { ...(this.walk({ ...entry, user: {} }, seen) as object), user: maskUser(entry.user) };
    return maskUser(entry);
  }
}

/** Headers whose values are credentials. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-amz-security-token', 'x-api-key']);

/** The fields of a kubeconfig user (file spelling and client-node's) that hold a credential. */
const KUBECONFIG_USER_SECRETS = new Set(['token', 'password', 'client-key-data', 'keyData', 'auth-provider', 'authProvider']);

/** AWS credentials objects (the SDK's and the API's spellings): every field but the expiration is masked. */
const AWS_CREDENTIAL_FIELDS = new Set(['accessKeyId', 'secretAccessKey', 'sessionToken', 'AccessKeyId', 'SecretAccessKey', 'SessionToken']);

/** Which fields of `record` are credentials because of what the record is. */
function credentialFields(record: Record<string, unknown>): (key: string) => boolean {
  const awsCredentials = typeof record.secretAccessKey === 'string' || typeof record.SecretAccessKey === 'string';
  // Secrets Manager's GetSecretValue answer: its SecretString and SecretBinary are the secret.
  const secretValue = 'SecretString' in record || 'SecretBinary' in record;
  return (key) => (awsCredentials && AWS_CREDENTIAL_FIELDS.has(key)) || (secretValue && (key === 'SecretString' || key === 'SecretBinary'));
}

/** A kubeconfig as YAML gives it (kind Config) or as client-node holds it (users beside clusters and contexts). */
function isKubeconfig(record: Record<string, unknown>): boolean {
  return record.kind === 'Config' || Array.isArray(record.clusters) || Array.isArray(record.contexts);
}

/** REDACTED in place of a value that has one; absent and empty values stay as they are (their absence is news). */
function mask(v: unknown): unknown {
  return v === undefined || v === null || v === '' ? v : REDACTED;
}

/** A Secret's metadata with kubectl's copy of the applied object (which holds its data) masked. */
function withoutAppliedCopy(metadata: Record<string, unknown>): Record<string, unknown> {
  const annotations = metadata.annotations;
  if (!isRecord(annotations) || !(LAST_APPLIED in annotations)) return metadata;
  return { ...metadata, annotations: { ...annotations, [LAST_APPLIED]: mask(annotations[LAST_APPLIED]) } };
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function maskValues(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, mask(v)]));
}
