/**
 * Keeps credentials out of logs and results. Two nets: values known to be secret (a token read from a secret, a
 * session token) are replaced wherever they appear, and well-known shapes (bearer tokens, EKS tokens, AWS access keys,
 * presigned-URL signatures, private keys, kubeconfig credential fields) are masked even when nobody registered them.
 */

/** What a masked value becomes. */
export const REDACTED = '[redacted]';

/** Field names whose values are credentials, whatever they hold. */
const SECRET_KEY = /(^|[-_.])?(token|secret|password|passwd|authorization|credentials?|private[-_]?key|key[-_]?data|client[-_]?key|cert[-_]?data|session[-_]?token|access[-_]?key([-_]?id)?|secret[-_]?access[-_]?key|api[-_]?key|SecretString|SecretBinary)$/i;

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
  // `key: value` / `key=value` / `"key": "value"` for credential-looking keys, in YAML, JSON, env files or URLs.
  [/("?(?:token|client-key-data|client-certificate-data|password|aws_secret_access_key|aws_session_token|secretAccessKey|sessionToken)"?\s*[:=]\s*"?)[^\s",}&]+/gi, `$1${REDACTED}`],
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
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input)) {
      out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null && v !== '' ? REDACTED : this.walk(v, seen);
    }
    return out;
  }
}
