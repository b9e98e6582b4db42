import { KubeConfig } from '@kubernetes/client-node';
import { createEksToken, type AwsCredentials, type EksToken } from './eks-token.js';
import { CredentialError } from './errors.js';

/** What reaching an EKS cluster needs from AWS; the real one is `awsEksAccess()`, tests pass fakes. */
export interface EksAccess {
  /** The cluster's API endpoint and its CA bundle (base64 PEM), from eks:DescribeCluster. */
  describeCluster(name: string, region: string): Promise<{ endpoint: string; caData: string }>;
  /** The function's own AWS credentials (the Lambda role, or the laptop's profile). */
  credentials(region: string): Promise<AwsCredentials>;
}

/** Renew a token this long before it expires. */
const RENEW_MARGIN_MS = 60_000;

type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];
const AUTH_PROVIDER = 'ferry-eks';

/** Hands out a valid token for one cluster, signing a new one when the current one is about to expire. */
export class EksTokenSource {
  private pending?: Promise<EksToken>;

  constructor(private readonly cluster: string, private readonly region: string, private readonly access: EksAccess,
    private readonly clock: () => Date, private readonly onSecret: (value: string) => void = () => undefined) {}

  /** The current token, renewed when less than a minute of it is left. */
  async token(): Promise<string> {
    const now = this.clock();
    if (this.pending) {
      const held = await this.pending.catch(() => undefined);
      if (held && held.expiresAt.getTime() - RENEW_MARGIN_MS > now.getTime()) return held.token;
    }
    this.pending = this.sign(now);
    return (await this.pending).token;
  }

  private async sign(now: Date): Promise<EksToken> {
    const credentials = await this.access.credentials(this.region).catch((err: unknown) => {
      throw new CredentialError(`EKS cluster ${this.cluster}: no AWS credentials to sign a token with (${(err as Error).name})`, this.cluster, { cause: err });
    });
    this.onSecret(credentials.secretAccessKey);
    this.onSecret(credentials.sessionToken ?? '');
    const token = await createEksToken({ cluster: this.cluster, region: this.region, credentials, now });
    this.onSecret(token.token);
    return token;
  }
}

/** A KubeConfig for an EKS cluster: endpoint and CA from DescribeCluster, a renewed IAM token on every request. */
export async function eksKubeConfig(source: { name: string; region: string }, access: EksAccess, clock: () => Date,
  onSecret?: (value: string) => void): Promise<KubeConfig> {
  const described = await access.describeCluster(source.name, source.region).catch((err: unknown) => {
    throw new CredentialError(`EKS cluster ${source.name} in ${source.region}: DescribeCluster failed: ${(err as Error).message}`, source.name, { cause: err });
  });
  if (!described.endpoint || !described.caData) {
    throw new CredentialError(`EKS cluster ${source.name} in ${source.region} has no endpoint or CA yet (is it still creating?)`, source.name);
  }
  const tokens = new EksTokenSource(source.name, source.region, access, clock, onSecret);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: source.name, server: described.endpoint, caData: described.caData, skipTLSVerify: false }],
    users: [{ name: `${AUTH_PROVIDER}-${source.name}`, authProvider: { name: AUTH_PROVIDER, config: { cluster: source.name } } }],
    contexts: [{ name: source.name, cluster: source.name, user: `${AUTH_PROVIDER}-${source.name}` }],
    currentContext: source.name,
  });
  const authenticator: Authenticator = {
    isAuthProvider: (user) => (user.authProvider as { name?: string } | undefined)?.name === AUTH_PROVIDER,
    applyAuthentication: async (_user, opts) => {
      opts.headers = { ...opts.headers, Authorization: `Bearer ${await tokens.token()}` };
    },
  };
  kc.addAuthenticator(authenticator);
  return kc;
}

/** The real AWS side of EksAccess: @aws-sdk/client-eks and the default credential chain, loaded on first use. */
export function awsEksAccess(): EksAccess {
  return {
    async describeCluster(name, region) {
      const { EKSClient, DescribeClusterCommand } = await import('@aws-sdk/client-eks');
      const out = await new EKSClient({ region }).send(new DescribeClusterCommand({ name }));
      return { endpoint: out.cluster?.endpoint ?? '', caData: out.cluster?.certificateAuthority?.data ?? '' };
    },
    async credentials(region) {
      const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
      return fromNodeProviderChain({ clientConfig: { region } })();
    },
  };
}
