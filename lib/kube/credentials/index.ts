/**
 * Cluster credentials by source: a kubeconfig file, a kubeconfig kept in AWS Secrets Manager, or an EKS cluster
 * reached with an IAM token. One `ClusterCredentials` lives per process (per cold start in Lambda), so secrets are
 * read once and tokens are renewed only when they near expiry.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { ClusterSource } from '../../spec/config.js';
import { loadKubeConfig } from '../kube-cluster.js';
import { awsEksAccess, eksKubeConfig, type EksAccess } from './eks.js';
import { CredentialError } from './errors.js';
import { awsSecretReader, SecretKubeconfigs, type SecretReader } from './secrets-manager.js';

export { CredentialError } from './errors.js';
export { Redactor, REDACTED } from './redact.js';

/** What the providers need from outside; every field defaults to the real AWS one. */
export interface CredentialDeps {
  readSecret?: SecretReader;
  eks?: EksAccess;
  clock?: () => Date;
  /** Called with every credential value a provider sees, so logs can mask it (Redactor.add). */
  onSecret?: (value: string) => void;
}

/** Turns a cluster source into a KubeConfig. */
export class ClusterCredentials {
  private readonly secrets: SecretKubeconfigs;
  private readonly eks: EksAccess;
  private readonly clock: () => Date;
  private readonly onSecret: (value: string) => void;

  constructor(deps: CredentialDeps = {}) {
    this.onSecret = deps.onSecret ?? (() => undefined);
    this.secrets = new SecretKubeconfigs(deps.readSecret ?? awsSecretReader(), this.onSecret);
    this.eks = deps.eks ?? awsEksAccess();
    this.clock = deps.clock ?? (() => new Date());
  }

  /** The KubeConfig for the cluster named `cluster`, whose source is `source`. */
  async kubeConfig(cluster: string, source: ClusterSource): Promise<KubeConfig> {
    switch (source.type) {
      case 'kubeconfig': {
        let kc: KubeConfig;
        try {
          kc = loadKubeConfig(source.file, source.context);
        } catch (err) {
          throw new CredentialError(`cluster ${cluster}: cannot load kubeconfig ${source.file}${source.context ? ` (context ${source.context})` : ''}: ${(err as Error).message}`, cluster, { cause: err });
        }
        for (const u of kc.getUsers()) for (const v of [u.token, u.password, u.keyData]) if (v) this.onSecret(v);
        return kc;
      }
      case 'secretsManager':
        return this.secrets.kubeConfig(cluster, source);
      case 'eks':
        return eksKubeConfig(source, this.eks, this.clock, this.onSecret);
    }
  }
}
