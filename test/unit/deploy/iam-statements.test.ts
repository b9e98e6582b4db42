import { describe, expect, it } from 'vitest';
import { iamStatements } from '../../../scripts/deploy/iam-statements.js';
import type { FerryConfig } from '../../../lib/spec/config.js';

const base: FerryConfig = { clusters: {}, storageLocations: {}, defaultStorageLocation: 'default' };
const resources = (c: FerryConfig) => iamStatements(c).flatMap((s) => s.Resource.map((r) => (typeof r === 'string' ? r : r['Fn::Sub'])));

describe('iamStatements', () => {
  it('limits S3 to the configured bucket and prefix: listing under the prefix, objects under the prefix', () => {
    const statements = iamStatements({ ...base, storageLocations: { default: { bucket: 'b1', prefix: '/team/a/' } } });
    expect(statements).toEqual([
      { Sid: 'ListBackupsdefault', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::b1' }], Condition: { StringLike: { 's3:prefix': ['team/a/*'] } } },
      { Sid: 'ReadWriteBackupsdefault', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::b1/team/a/*' }] },
    ]);
  });

  it('grants nothing for a location on a custom endpoint, which IAM does not govern', () => {
    expect(iamStatements({ ...base, storageLocations: { local: { bucket: 'b', prefix: '', endpoint: 'http://127.0.0.1:7070' } } })).toEqual([]);
  });

  it.each([
    ['a secret named by name, in its own region', { secretId: 'ferry/kube', region: 'eu-west-1' }, 'arn:${AWS::Partition}:secretsmanager:eu-west-1:${AWS::AccountId}:secret:ferry/kube-??????'],
    ['a secret named by name, in the stack\'s region', { secretId: 'ferry/kube' }, 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:ferry/kube-??????'],
    ['a secret named by its ARN', { secretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf' }, 'arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf'],
  ])('reads only %s', (_case, source, arn) => {
    const statements = iamStatements({ ...base, clusters: { c: { type: 'secretsManager', ...source } } });
    expect(statements).toEqual([{ Sid: 'ReadClusterSecrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [arn.startsWith('arn:aws:') ? arn : { 'Fn::Sub': arn }] }]);
  });

  it('describes only the named EKS clusters and uses KMS only on the named key', () => {
    const config: FerryConfig = {
      ...base,
      clusters: { a: { type: 'eks', name: 'prod', region: 'us-west-2' }, k: { type: 'kubeconfig', file: '/k' } },
      storageLocations: { default: { bucket: 'b', prefix: '', region: 'us-west-2', serverSideEncryption: 'aws:kms', kmsKeyId: '1234abcd-12ab' } },
    };
    expect(resources(config)).toEqual([
      'arn:${AWS::Partition}:s3:::b',
      'arn:${AWS::Partition}:s3:::b/*',
      'arn:${AWS::Partition}:kms:us-west-2:${AWS::AccountId}:key/1234abcd-12ab',
      'arn:${AWS::Partition}:eks:us-west-2:${AWS::AccountId}:cluster/prod',
    ]);
    expect(iamStatements(config).find((s) => s.Sid === 'ListBackupsdefault')!.Condition).toBeUndefined();
  });

  it('never grants "*" as a resource', () => {
    const config: FerryConfig = {
      clusters: { a: { type: 'secretsManager', secretId: 's' }, b: { type: 'eks', name: 'e', region: 'r' } },
      storageLocations: { x: { bucket: 'b', prefix: 'p' }, y: { bucket: 'c', prefix: '' } }, defaultStorageLocation: 'x',
    };
    for (const r of resources(config)) expect(r).not.toMatch(/^\*$|:::\*|:\*$/);
  });
});
