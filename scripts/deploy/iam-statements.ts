/**
 * The function role's IAM statements, derived from the same config the functions use: S3 on each configured bucket
 * and prefix only, Secrets Manager read on the named secrets only, DescribeCluster on the named EKS clusters only,
 * KMS on the named keys only. No statement names `*` as its resource.
 */
import type { FerryConfig, StorageLocation } from '../../lib/spec/config.js';

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

/** The statements the four functions need for this config. */
export function iamStatements(config: FerryConfig): IamStatement[] {
  const statements: IamStatement[] = [];
  const locations = Object.entries(config.storageLocations).filter(([, l]) => !l.endpoint);
  for (const [name, l] of locations) {
    const id = name.replace(/[^A-Za-z0-9]/g, '');
    const prefix = keyPrefix(l);
    statements.push({
      Sid: `ListBackups${id}`, Effect: 'Allow', Action: ['s3:ListBucket'],
      Resource: [sub(`arn:\${AWS::Partition}:s3:::${l.bucket}`)],
      ...(prefix ? { Condition: { StringLike: { 's3:prefix': [`${prefix}*`] } } } : {}),
    });
    statements.push({
      Sid: `ReadWriteBackups${id}`, Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      // Objects are named by key: the prefix's objects, and no others.
      Resource: [sub(`arn:\${AWS::Partition}:s3:::${l.bucket}/${prefix}*`)],
    });
    if (l.serverSideEncryption === 'aws:kms' && l.kmsKeyId) {
      statements.push({
        Sid: `EncryptBackups${id}`, Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: [l.kmsKeyId.startsWith('arn:') ? l.kmsKeyId : sub(`arn:\${AWS::Partition}:kms:${l.region ?? '${AWS::Region}'}:\${AWS::AccountId}:${l.kmsKeyId.startsWith('alias/') ? l.kmsKeyId : `key/${l.kmsKeyId}`}`)],
      });
    }
  }
  const secrets = Object.values(config.clusters).flatMap((c) => (c.type === 'secretsManager' ? [c] : []));
  if (secrets.length) {
    statements.push({
      Sid: 'ReadClusterSecrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'],
      // A secret's ARN ends with six random characters after its name: `-??????` matches those and nothing longer.
      Resource: [...new Set(secrets.map((s) => s.secretId))].map((id) => (id.startsWith('arn:')
        ? id
        : sub(`arn:\${AWS::Partition}:secretsmanager:${secrets.find((s) => s.secretId === id)!.region ?? '${AWS::Region}'}:\${AWS::AccountId}:secret:${id}-??????`))),
    });
  }
  const eks = Object.values(config.clusters).flatMap((c) => (c.type === 'eks' ? [c] : []));
  if (eks.length) {
    statements.push({
      Sid: 'DescribeEksClusters', Effect: 'Allow', Action: ['eks:DescribeCluster'],
      Resource: eks.map((c) => sub(`arn:\${AWS::Partition}:eks:${c.region}:\${AWS::AccountId}:cluster/${c.name}`)),
    });
  }
  return statements;
}
