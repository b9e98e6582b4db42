import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEksToken, decodeEksToken, EKS_TOKEN_PREFIX, stsHost } from '../../../../lib/kube/credentials/eks-token.js';

// AWS's documentation example credentials: fixed, and not anyone's.
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const now = new Date('2024-01-02T03:04:05Z');

const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();
const rfc3986 = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** SigV4 for a presigned GET, written out from AWS's specification, independently of the code under test. */
function expectedSignature(url: URL, cluster: string, region: string, secret: string): string {
  const params = [...url.searchParams.entries()].filter(([k]) => k !== 'X-Amz-Signature')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const query = params.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
  const emptyHash = createHash('sha256').update('').digest('hex');
  const canonical = ['GET', '/', query, `host:${url.host}`, `x-k8s-aws-id:${cluster}`, '', 'host;x-k8s-aws-id', emptyHash].join('\n');
  const amzDate = url.searchParams.get('X-Amz-Date')!;
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/sts/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), 'sts'), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex');
}

describe('createEksToken', () => {
  it('makes a k8s-aws-v1 token whose body is unpadded base64url of the presigned STS URL', async () => {
    const { token } = await createEksToken({ cluster: 'prod', region: 'us-west-2', credentials, now });
    expect(token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
    const body = token.slice(EKS_TOKEN_PREFIX.length);
    expect(body).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(body, 'base64url').toString('utf8')).toBe(decodeEksToken(token)!.href);
  });

  it('presigns GetCallerIdentity on the regional STS endpoint for 60 seconds with the cluster header signed in', async () => {
    const url = decodeEksToken((await createEksToken({ cluster: 'prod', region: 'us-west-2', credentials, now })).token)!;
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('sts.us-west-2.amazonaws.com');
    expect(url.pathname).toBe('/');
    expect(Object.fromEntries([...url.searchParams.entries()].filter(([k]) => k !== 'X-Amz-Signature'))).toEqual({
      'Action': 'GetCallerIdentity',
      'Version': '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIAIOSFODNN7EXAMPLE/20240102/us-west-2/sts/aws4_request',
      'X-Amz-Date': '20240102T030405Z',
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
    });
  });

  it.each([
    ['a cluster in us-west-2 without a session token', 'prod', 'us-west-2', undefined],
    ['a cluster in eu-central-1 with a session token (a Lambda role)', 'staging-eks', 'eu-central-1', 'FwoGZXIvYXdzEJr//////////wEaDOnSESSION+TOKEN/x=='],
  ])('signs the URL exactly as SigV4 specifies for %s', async (_case, cluster, region, sessionToken) => {
    const creds = { ...credentials, ...(sessionToken ? { sessionToken } : {}) };
    const url = decodeEksToken((await createEksToken({ cluster, region, credentials: creds, now })).token)!;
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe(sessionToken ?? null);
    expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, cluster, region, credentials.secretAccessKey));
  });

  it('gives the same token for the same clock, credentials and cluster, and a different one for another cluster', async () => {
    const a = await createEksToken({ cluster: 'prod', region: 'us-west-2', credentials, now });
    const b = await createEksToken({ cluster: 'prod', region: 'us-west-2', credentials, now });
    const c = await createEksToken({ cluster: 'other', region: 'us-west-2', credentials, now });
    expect(a.token).toBe(b.token);
    expect(c.token).not.toBe(a.token);
  });

  it('says the token expires 14 minutes after signing, a minute inside the authenticator\'s 15', async () => {
    const { expiresAt } = await createEksToken({ cluster: 'prod', region: 'us-west-2', credentials, now });
    expect(expiresAt.toISOString()).toBe('2024-01-02T03:18:05.000Z');
  });

  it.each([
    ['us-east-1', 'sts.us-east-1.amazonaws.com'],
    ['cn-north-1', 'sts.cn-north-1.amazonaws.com.cn'],
  ])('uses the STS host of region %s', (region, host) => {
    expect(stsHost(region)).toBe(host);
  });

  it.each(['Bearer abc', 'k8s-aws-v1.%%%'])('does not read "%s" as an EKS token', (token) => {
    expect(decodeEksToken(token)).toBeUndefined();
  });
});
