import type https from 'node:https';
import { describe, expect, it } from 'vitest';
import { decodeEksToken } from '../../../../lib/kube/credentials/eks-token.js';
import { eksKubeConfig, type EksAccess } from '../../../../lib/kube/credentials/eks.js';
import { CredentialError } from '../../../../lib/kube/credentials/errors.js';

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');

/** Fake AWS access that records calls. */
function fakeAccess(described: { endpoint: string; caData: string } | Error = { endpoint: 'https://ABC.gr7.us-west-2.eks.amazonaws.com', caData: CA }) {
  const calls = { describe: [] as string[], credentials: 0 };
  const access: EksAccess = {
    describeCluster: async (name, region) => {
      calls.describe.push(`${region}/${name}`);
      if (described instanceof Error) throw described;
      return described;
    },
    credentials: async () => {
      calls.credentials += 1;
      return { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: `session-${calls.credentials}` };
    },
  };
  return { access, calls };
}

async function authorization(kc: Awaited<ReturnType<typeof eksKubeConfig>>): Promise<string> {
  const opts: https.RequestOptions = { headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  return String((opts.headers as Record<string, string>).Authorization);
}

describe('eksKubeConfig', () => {
  it('points the KubeConfig at the endpoint and CA DescribeCluster returns', async () => {
    const { access, calls } = fakeAccess();
    const kc = await eksKubeConfig({ name: 'prod', region: 'us-west-2' }, access, () => new Date('2024-01-02T03:04:05Z'));
    expect(calls.describe).toEqual(['us-west-2/prod']);
    expect(kc.getCurrentCluster()).toMatchObject({ server: 'https://ABC.gr7.us-west-2.eks.amazonaws.com', caData: CA, skipTLSVerify: false });
  });

  it('sends a bearer EKS token for the cluster on each request', async () => {
    const { access } = fakeAccess();
    const kc = await eksKubeConfig({ name: 'prod', region: 'us-west-2' }, access, () => new Date('2024-01-02T03:04:05Z'));
    const header = await authorization(kc);
    expect(header.startsWith('Bearer k8s-aws-v1.')).toBe(true);
    const url = decodeEksToken(header.slice('Bearer '.length))!;
    expect(url.searchParams.get('X-Amz-Date')).toBe('20240102T030405Z');
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('session-1');
  });

  it.each([
    ['reuses the token while more than a minute of it is left', 12 * 60_000, 1],
    ['signs a new token when less than a minute of it is left', 13 * 60_000 + 1, 2],
  ])('%s', async (_case, laterMs, signings) => {
    const { access, calls } = fakeAccess();
    let now = new Date('2024-01-02T03:04:05Z');
    const kc = await eksKubeConfig({ name: 'prod', region: 'us-west-2' }, access, () => now);
    const first = await authorization(kc);
    now = new Date(now.getTime() + laterMs);
    const second = await authorization(kc);
    expect(calls.credentials).toBe(signings);
    expect(second === first).toBe(signings === 1);
  });

  it('hands the token and the session credentials to onSecret', async () => {
    const { access } = fakeAccess();
    const seen: string[] = [];
    const kc = await eksKubeConfig({ name: 'prod', region: 'us-west-2' }, access, () => new Date(), (v) => seen.push(v));
    const header = await authorization(kc);
    expect(seen).toEqual(expect.arrayContaining(['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'session-1', header.slice('Bearer '.length)]));
  });

  it.each([
    ['DescribeCluster fails', new Error('User is not authorized to perform: eks:DescribeCluster'), 'DescribeCluster failed: User is not authorized'],
    ['the cluster has no endpoint yet', { endpoint: '', caData: '' }, 'has no endpoint or CA yet'],
  ])('raises a CredentialError naming the cluster when %s', async (_case, described, message) => {
    const { access } = fakeAccess(described);
    const err = await eksKubeConfig({ name: 'prod', region: 'us-west-2' }, access, () => new Date()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialError);
    expect((err as Error).message).toContain('EKS cluster prod');
    expect((err as Error).message).toContain(message);
  });
});
