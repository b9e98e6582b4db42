/**
 * One IAM role per function, derived from the same config the functions use: S3 on each configured bucket and
 * prefix only, with only the actions that function takes, each on the keys it writes (index: plugins/ferry/,
 * restore: restores/, backup: backups/; only expire deletes backups, index only the catalog's old folder); Secrets Manager read on the secrets and DescribeCluster on the
 * EKS clusters of the clusters that function uses (a cluster's `usedBy`); KMS on the named keys only; logs to the
 * function's own log group. No statement names `*` as its resource.
 */
import { clusterUsedBy, type FerryConfig, type StorageLocation } from '../../lib/spec/config.js';

/** An IAM policy statement, with CloudFormation intrinsic functions where the account or partition is needed. */
export interface IamStatement {
  Sid?: string;
  Effect: 'Allow';
  Action: string[];
  Resource: (string | { 'Fn::Sub': string })[];
  Condition?: Record<string, Record<string, string[]>>;
}

const sub = (text: string) => ({ 'Fn::Sub': text });

/** The object-key prefix of a location, with its trailing slash (`""` for a bucket root). */
export function keyPrefix(location: StorageLocation): string {
  const trimmed = location.prefix.replace(/^\/+|\/+$/g, '');
  return trimmed ? `${trimmed}/` : '';
}

/** Object actions on some keys of the prefix (`backups/`, `plugins/ferry/`, `restores/`, or `""` for all of it). */
interface ObjectGrant {
  keys: string;
  actions: readonly string[];
}

/**
 * The functions, and what each does in the bucket and the clusters. `uploads`: lists the bucket's open multipart
 * uploads (to abort what a failed or abandoned backup left).
 */
export const FUNCTION_ACCESS: Record<'backup' | 'index' | 'restore' | 'expire' | 'console', { objects: readonly ObjectGrant[]; uploads: boolean; clusters: boolean }> = {
  // Reads and writes only its backups' folders; reads velero-backup.json of a taken name (an abandoned run).
  backup: { objects: [{ keys: 'backups/', actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'] }], uploads: true, clusters: true },
  // Reads backups and the catalog; writes catalog entries only (plugins/ferry/), and deletes only the catalog's old
  // folder, catalog/, which it moves there (Velero refuses a location that has it: lib/catalog/legacy-catalog.ts).
  index: { objects: [{ keys: '', actions: ['s3:GetObject'] }, { keys: 'plugins/ferry/', actions: ['s3:PutObject'] }, { keys: 'catalog/', actions: ['s3:DeleteObject'] }], uploads: false, clusters: false },
  // Reads backups, the catalog and its own results; writes results and checkpoints only.
  restore: { objects: [{ keys: '', actions: ['s3:GetObject'] }, { keys: 'restores/', actions: ['s3:PutObject'] }], uploads: false, clusters: true },
  // Deletes expired backups and their entries; records abandoned backups Failed and aborts their uploads.
  expire: { objects: [{ keys: '', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'] }, { keys: 'backups/', actions: ['s3:AbortMultipartUpload'] }], uploads: true, clusters: false },
  // The web console reads backups, the catalog and restores; what it starts runs in the restore and backup functions.
  console: { objects: [{ keys: '', actions: ['s3:GetObject'] }], uploads: false, clusters: false },
};

/** A function of FUNCTION_ACCESS. */
export type FunctionName = keyof typeof FUNCTION_ACCESS;

/** What the deployment adds beside the config. */
export interface DeployOptions {
  /** The SQS queue index reads bucket events from, instead of the bucket's notifications. */
  indexQueueArn?: string;
}

/** The statements one function needs for this config. `functionPrefix` is `<service>-<stage>`. */
export function iamStatements(config: FerryConfig, fn: FunctionName, functionPrefix: string, options: DeployOptions = {}): IamStatement[] {
  const access = FUNCTION_ACCESS[fn];
  const statements: IamStatement[] = [{
    Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    // The log streams of the function's own log group.
    Resource: [sub(`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionPrefix}-${fn}:*`)],
  }];
  const locations = Object.entries(config.storageLocations).filter(([, l]) => !l.endpoint);
  for (const [name, l] of locations) {
    const id = name.replace(/[^A-Za-z0-9]/g, '');
    const prefix = keyPrefix(l);
    statements.push({
      Sid: `ListBackups${id}`, Effect: 'Allow', Action: ['s3:ListBucket'],
      Resource: [sub(`arn:\${AWS::Partition}:s3:::${l.bucket}`)],
      ...(prefix ? { Condition: { StringLike: { 's3:prefix': [`${prefix}*`] } } } : {}),
    });
    for (const grant of access.objects) {
      statements.push({
        Sid: `Objects${id}${grant.keys.replace(/[^A-Za-z0-9]/g, '')}`, Effect: 'Allow', Action: [...grant.actions],
        // Objects are named by key: the prefix's objects (or one folder of it), and no others.
        Resource: [sub(`arn:\${AWS::Partition}:s3:::${l.bucket}/${prefix}${grant.keys}*`)],
      });
    }
    if (access.uploads) {
      statements.push({
        Sid: `ListUploads${id}`, Effect: 'Allow', Action: ['s3:ListBucketMultipartUploads'],
        Resource: [sub(`arn:\${AWS::Partition}:s3:::${l.bucket}`)],
      });
    }
    if (l.serverSideEncryption === 'aws:kms' && l.kmsKeyId) {
      statements.push({
        Sid: `EncryptBackups${id}`, Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: [l.kmsKeyId.startsWith('arn:') ? l.kmsKeyId : sub(`arn:\${AWS::Partition}:kms:${l.region ?? '${AWS::Region}'}:\${AWS::AccountId}:${l.kmsKeyId.startsWith('alias/') ? l.kmsKeyId : `key/${l.kmsKeyId}`}`)],
      });
    }
  }
  if (fn === 'index' && options.indexQueueArn) {
    statements.push({
      Sid: 'ReadIndexQueue', Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
      Resource: [options.indexQueueArn],
    });
  }
  // A long restore checkpoints and invokes itself again; so does a backup whose volume moves outlast an invocation.
  const movesVolumeData = Object.values(config.storageLocations).some((l) => l.volumeData !== undefined);
  if (fn === 'restore' || (fn === 'backup' && movesVolumeData)) {
    statements.push({
      Sid: 'ContinueItself', Effect: 'Allow', Action: ['lambda:InvokeFunction'],
      Resource: [sub(`arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${functionPrefix}-${fn}`)],
    });
  }
  if (fn === 'console') {
    statements.push({
      Sid: 'StartRestoresAndBackups', Effect: 'Allow', Action: ['lambda:InvokeFunction'],
      Resource: ['restore', 'backup'].map((f) => sub(`arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${functionPrefix}-${f}`)),
    });
  }
  if (!access.clusters) return statements;
  const moverRoles = [...new Set(Object.values(config.storageLocations).flatMap((l) => (l.volumeData?.moverRoleArn ? [l.volumeData.moverRoleArn] : [])))];
  if (moverRoles.length) {
    // Movers get sessions of these roles, each narrowed by a session policy to one repository (lib/volumes/mover-credentials.ts).
    statements.push({ Sid: 'AssumeMoverRoles', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: moverRoles });
  }
  const used = Object.values(config.clusters).filter((c) => clusterUsedBy(c, fn as 'backup' | 'restore'));
  const secrets = used.flatMap((c) => (c.type === 'secretsManager' ? [c] : []));
  if (secrets.length) {
    statements.push({
      Sid: 'ReadClusterSecrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'],
      // A secret's ARN ends with six random characters after its name: `-??????` matches those and nothing longer.
      Resource: [...new Set(secrets.map((s) => s.secretId))].map((id) => (id.startsWith('arn:')
        ? id
        : sub(`arn:\${AWS::Partition}:secretsmanager:${secrets.find((s) => s.secretId === id)!.region ?? '${AWS::Region}'}:\${AWS::AccountId}:secret:${id}-??????`))),
    });
  }
  const eks = used.flatMap((c) => (c.type === 'eks' ? [c] : []));
  if (eks.length) {
    statements.push({
      Sid: 'DescribeEksClusters', Effect: 'Allow', Action: ['eks:DescribeCluster'],
      Resource: eks.map((c) => sub(`arn:\${AWS::Partition}:eks:${c.region}:\${AWS::AccountId}:cluster/${c.name}`)),
    });
  }
  return statements;
}

/** A CloudFormation IAM role resource. */
export interface RoleResource {
  Type: 'AWS::IAM::Role';
  Properties: Record<string, unknown>;
}

/** The logical id serverless.yml names a function's role by: `FerryBackupRole`. */
export function roleLogicalId(fn: FunctionName): string {
  return `Ferry${fn[0]!.toUpperCase()}${fn.slice(1)}Role`;
}

/** One role per function, named `<service>-<stage>-<region>-<function>`. */
export function functionRoles(config: FerryConfig, functionPrefix: string, options: DeployOptions = {}): Record<string, RoleResource> {
  return Object.fromEntries((Object.keys(FUNCTION_ACCESS) as FunctionName[]).map((fn) => [roleLogicalId(fn), {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: sub(`${functionPrefix}-\${AWS::Region}-${fn}`),
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }],
      },
      Policies: [{ PolicyName: `${functionPrefix}-${fn}`, PolicyDocument: { Version: '2012-10-17', Statement: iamStatements(config, fn, functionPrefix, options) } }],
      // Sending X-Ray segments (Active tracing): AWS's managed policy, since xray:PutTraceSegments takes no resource.
      ManagedPolicyArns: [sub('arn:${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess')],
    },
  } satisfies RoleResource]));
}
