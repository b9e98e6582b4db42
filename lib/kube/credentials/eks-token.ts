import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS credentials as the SDK resolves them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** An EKS bearer token and when it stops being accepted. */
export interface EksToken {
  token: string;
  expiresAt: Date;
}

/** What aws-iam-authenticator prefixes its tokens with. */
export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** The presigned URL is signed for 60 seconds, as aws-iam-authenticator does. */
export const PRESIGN_SECONDS = 60;
/** The EKS authenticator accepts a token for 15 minutes after signing; clients renew a minute before. */
const TOKEN_LIFETIME_MS = 14 * 60_000;
/** The header naming the cluster, signed into the URL so a token for one cluster is refused by another. */
const CLUSTER_ID_HEADER = 'x-k8s-aws-id';

/** The regional STS host for a region (China regions use their own domain). */
export function stsHost(region: string): string {
  return `sts.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/**
 * Makes the token aws-iam-authenticator makes: an STS GetCallerIdentity URL presigned (SigV4, 60 s) with the
 * `x-k8s-aws-id: <cluster>` header signed in, then `k8s-aws-v1.` + base64url of the URL without padding.
 */
export async function createEksToken(input: { cluster: string; region: string; credentials: AwsCredentials; now: Date }): Promise<EksToken> {
  const host = stsHost(input.region);
  const signer = new SignatureV4({ credentials: input.credentials, region: input.region, service: 'sts', sha256: Sha256 });
  const signed = await signer.presign({
    method: 'GET', protocol: 'https:', hostname: host, path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host, [CLUSTER_ID_HEADER]: input.cluster },
  }, { expiresIn: PRESIGN_SECONDS, signingDate: input.now });
  const url = `https://${host}/?${queryString(signed.query as Record<string, string>)}`;
  return {
    token: EKS_TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url'),
    expiresAt: new Date(input.now.getTime() + TOKEN_LIFETIME_MS),
  };
}

/** Reads a token back into its URL, for checks and tests; undefined when it is not an EKS token. */
export function decodeEksToken(token: string): URL | undefined {
  if (!token.startsWith(EKS_TOKEN_PREFIX)) return undefined;
  try {
    return new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A query string in key order, RFC 3986 escaped (as SigV4 canonicalises it). */
function queryString(query: Record<string, string>): string {
  return Object.keys(query).sort().map((k) => `${escape(k)}=${escape(query[k]!)}`).join('&');
}

function escape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
