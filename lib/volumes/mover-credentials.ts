/**
 * Least-privilege credentials for movers. In AWS (a location's `volumeData.moverRoleArn`), each mover gets a
 * short-lived STS session of that role whose session policy allows only its own repository: the objects under
 * `<prefix>/kopia/<namespace>/` and a ListBucket limited to that prefix. The session can do no more than both the
 * role's policies and the session policy allow. On the local stack (no STS), movers get the stack's keys.
 * The policy is pure; STS is a port with an AWS SDK adapter (sts-client.ts).
 */
import { MoverError } from './errors.js';

/** S3 credentials a mover gets (in AWS a short-lived session scoped to the repository prefix; locally the stack's keys). */
export interface MoverCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** One AssumeRole call: the role, the session's name, its session policy (JSON) and how long it lasts. */
export interface AssumeRoleRequest {
  roleArn: string;
  sessionName: string;
  policy: string;
  durationSeconds: number;
}

/** The STS port: AssumeRole, answering the session's credentials. */
export interface StsPort {
  assumeRole(request: AssumeRoleRequest): Promise<MoverCredentials>;
}

/** An IAM policy document (the subset a session policy uses). */
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: { Sid: string; Effect: 'Allow'; Action: string[]; Resource: string[]; Condition?: Record<string, Record<string, string[]>> }[];
}

/** The AWS partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`). */
export function partitionOf(arn: string): string {
  return /^arn:([a-z-]+):/.exec(arn)?.[1] ?? 'aws';
}

/**
 * The session policy of a mover of one repository: read, write and delete its objects (kopia writes packs and
 * indexes, and deletes its session markers), and list the bucket only under the repository's prefix.
 * `repositoryPrefix` is the repository's key prefix, ending in `/` (`<prefix>/kopia/<namespace>/`).
 */
export function moverSessionPolicy(bucket: string, repositoryPrefix: string, partition = 'aws'): PolicyDocument {
  const prefix = repositoryPrefix.endsWith('/') ? repositoryPrefix : `${repositoryPrefix}/`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'RepositoryObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: [`arn:${partition}:s3:::${bucket}/${prefix}*`] },
      { Sid: 'ListRepository', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`arn:${partition}:s3:::${bucket}`], Condition: { StringLike: { 's3:prefix': [`${prefix}*`] } } },
    ],
  };
}

/** STS's session length bounds: 15 minutes at least; 1 hour at most for a role assumed from another role's session. */
const MIN_SESSION_SECONDS = 900;
const MAX_SESSION_SECONDS = 3600;

/** A session long enough for one move (its timeout and 5 minutes more), within STS's bounds. */
export function sessionSeconds(moveTimeoutMs: number): number {
  return Math.min(MAX_SESSION_SECONDS, Math.max(MIN_SESSION_SECONDS, Math.ceil(moveTimeoutMs / 1000) + 300));
}

/** The session's name as CloudTrail shows it: `ferry-mover-<namespace>`, in STS's alphabet and at most 64 characters. */
export function moverSessionName(repositoryPrefix: string): string {
  const namespace = repositoryPrefix.replace(/\/+$/, '').split('/').pop() ?? '';
  return `ferry-mover-${namespace}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/** What STS sessions for movers are made from. */
export interface StsMoverSettings {
  roleArn: string;
  bucket: string;
  /** One move's timeout: the session lasts that long and 5 minutes more (at most 1 hour). */
  moveTimeoutMs: number;
}

/** The movers' credentials source in AWS: one STS session per move, scoped to that move's repository prefix. */
export function stsMoverCredentials(sts: StsPort, settings: StsMoverSettings): (repositoryPrefix: string) => Promise<MoverCredentials> {
  return async (repositoryPrefix) => {
    const policy = moverSessionPolicy(settings.bucket, repositoryPrefix, partitionOf(settings.roleArn));
    try {
      return await sts.assumeRole({
        roleArn: settings.roleArn, sessionName: moverSessionName(repositoryPrefix), policy: JSON.stringify(policy),
        durationSeconds: sessionSeconds(settings.moveTimeoutMs),
      });
    } catch (err) {
      throw new MoverError(`could not assume the movers' role ${settings.roleArn} (volumeData.moverRoleArn) for ${repositoryPrefix}: ${(err as Error).message}`, 'failed', { cause: err });
    }
  };
}
