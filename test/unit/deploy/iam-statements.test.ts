import { describe, expect, it } from 'vitest';
import { FUNCTION_ACCESS, functionRoles, iamStatements, roleLogicalId, type FunctionName } from '../../../scripts/deploy/iam-statements.js';
import type { FerryConfig } from '../../../lib/spec/config.js';

const base: FerryConfig = { clusters: {}, storageLocations: {}, defaultStorageLocation: 'default' };
const resources = (c: FerryConfig, fn: FunctionName) => iamStatements(c, fn, 'ferry-dev').flatMap((s) => s.Resource.map((r) => (typeof r === 'string' ? r : r['Fn::Sub'])));
const bySid = (c: FerryConfig, fn: FunctionName) => Object.fromEntries(iamStatements(c, fn, 'ferry-dev').map((s) => [s.Sid, s]));
const withBucket: FerryConfig = { ...base, storageLocations: { default: { bucket: 'b1', prefix: '/team/a/' } } };
const withClusters: FerryConfig = {
  ...withBucket,
  clusters: { a: { type: 'eks', name: 'prod', region: 'us-west-2' }, v: { type: 'secretsManager', secretId: 'ferry/kube' }, k: { type: 'kubeconfig', file: '/k' } },
};

describe('iamStatements', () => {
  it('limits S3 to the configured bucket and prefix: listing under the prefix, objects under the prefix', () => {
    const s = bySid(withBucket, 'index');
    expect(s.ListBackupsdefault).toEqual({ Sid: 'ListBackupsdefault', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::b1' }], Condition: { StringLike: { 's3:prefix': ['team/a/*'] } } });
    expect(s.Objectsdefault?.Resource).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::b1/team/a/*' }]);
  });

  const objectGrants = (c: FerryConfig, fn: FunctionName) => iamStatements(c, fn, 'ferry-dev').filter((st) => st.Sid?.startsWith('Objects'))
    .map((st) => [(st.Resource[0] as { 'Fn::Sub': string })['Fn::Sub'].replace('arn:${AWS::Partition}:s3:::b1/team/a/', ''), st.Action]);
  it.each([
    ['backup reads and writes its backups\' folders only, streaming the tarball in parts, and deletes nothing', 'backup',
      [['backups/*', ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts']]]],
    ['index reads backups, writes catalog entries only, and deletes only the catalog\'s old folder it moves', 'index',
      [['*', ['s3:GetObject']], ['plugins/ferry/*', ['s3:PutObject']], ['catalog/*', ['s3:DeleteObject']]]],
    ['restore reads backups and writes its results and checkpoints only, and deletes nothing', 'restore', [['*', ['s3:GetObject']], ['restores/*', ['s3:PutObject']]]],
    ['expire is the only function that deletes, and aborts what backups left', 'expire',
      [['*', ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']], ['backups/*', ['s3:AbortMultipartUpload']]]],
    ['the console only reads: what it starts runs in the restore and backup functions', 'console', [['*', ['s3:GetObject']]]],
  ] as const)('%s', (_case, fn, grants) => {
    expect(objectGrants(withBucket, fn)).toEqual(grants);
  });

  it('lets only backup and expire list open multipart uploads, of the configured bucket', () => {
    for (const fn of ['backup', 'expire'] as const) expect(bySid(withBucket, fn).ListUploadsdefault).toMatchObject({ Action: ['s3:ListBucketMultipartUploads'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::b1' }] });
    for (const fn of ['index', 'restore'] as const) expect(bySid(withBucket, fn).ListUploadsdefault).toBeUndefined();
  });

  it('grants each function the credentials of the clusters whose usedBy names it (all clusters when usedBy is absent)', () => {
    const config: FerryConfig = { ...base, clusters: {
      idc: { type: 'secretsManager', secretId: 'ferry/idc', usedBy: ['backup'] },
      prod: { type: 'eks', name: 'prod', region: 'us-west-2', usedBy: ['restore'] },
      both: { type: 'secretsManager', secretId: 'ferry/both' },
    } };
    const secretsOf = (fn: FunctionName) => (bySid(config, fn).ReadClusterSecrets?.Resource ?? []).map((r: string | { 'Fn::Sub': string }) => (typeof r === 'string' ? r : r['Fn::Sub']).replace(/.*:secret:/, ''));
    expect(secretsOf('backup')).toEqual(['ferry/idc-??????', 'ferry/both-??????']);
    expect(secretsOf('restore')).toEqual(['ferry/both-??????']);
    expect(bySid(config, 'backup').DescribeEksClusters).toBeUndefined();
    expect(bySid(config, 'restore').DescribeEksClusters?.Resource).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:eks:us-west-2:${AWS::AccountId}:cluster/prod' }]);
  });

  it('lets only backup and restore assume the movers\' role, and only that role', () => {
    const config: FerryConfig = { ...base, storageLocations: { default: { bucket: 'b1', prefix: '', volumeData: {
      repositoryPassword: 'password', moverImage: 'm', moverRoleArn: 'arn:aws:iam::123456789012:role/ferry-mover' } } } };
    for (const fn of ['backup', 'restore'] as const) {
      expect(bySid(config, fn).AssumeMoverRoles).toEqual({ Sid: 'AssumeMoverRoles', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: ['arn:aws:iam::123456789012:role/ferry-mover'] });
    }
    for (const fn of ['index', 'expire'] as const) expect(bySid(config, fn).AssumeMoverRoles).toBeUndefined();
    expect(bySid(withBucket, 'backup').AssumeMoverRoles).toBeUndefined();
  });

  it('lets each function write only its own log group', () => {
    expect(bySid(withBucket, 'expire').WriteOwnLogs?.Resource).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/ferry-dev-expire:*' }]);
  });

  it('lets only restore invoke a function, and only itself', () => {
    expect(bySid(withBucket, 'restore').ContinueItself?.Resource).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:ferry-dev-restore' }]);
    for (const fn of ['backup', 'index', 'expire', 'console'] as const) expect(bySid(withBucket, fn).ContinueItself).toBeUndefined();
  });

  it('lets the console invoke the restore and backup functions and no other', () => {
    expect(bySid(withBucket, 'console').StartRestoresAndBackups?.Resource).toEqual(['restore', 'backup']
      .map((f) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:ferry-dev-${f}` })));
    for (const fn of ['backup', 'index', 'restore', 'expire'] as const) expect(bySid(withBucket, fn).StartRestoresAndBackups).toBeUndefined();
  });

  it('lets backup invoke itself too once a location moves volume data (a hand-over of moves that outlast it)', () => {
    const [name, location] = Object.entries(withBucket.storageLocations)[0]!;
    const moving: FerryConfig = { ...withBucket, storageLocations: { [name]: { ...location, volumeData: { repositoryPassword: 'p'.repeat(12), moverImage: 'm:1' } } } };
    expect(bySid(moving, 'backup').ContinueItself?.Resource).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:ferry-dev-backup' }]);
    for (const fn of ['index', 'expire'] as const) expect(bySid(moving, fn).ContinueItself).toBeUndefined();
  });

  it('grants cluster credentials to the functions that open clusters and to no other', () => {
    for (const fn of ['backup', 'restore'] as const) expect(Object.keys(bySid(withClusters, fn))).toEqual(expect.arrayContaining(['ReadClusterSecrets', 'DescribeEksClusters']));
    for (const fn of ['index', 'expire', 'console'] as const) expect(Object.keys(bySid(withClusters, fn))).not.toEqual(expect.arrayContaining(['ReadClusterSecrets']));
    expect(Object.keys(bySid(withClusters, 'index')).some((sid) => /Secrets|Eks/.test(sid))).toBe(false);
  });

  it('grants no S3 for a location on a custom endpoint, which IAM does not govern', () => {
    expect(Object.keys(bySid({ ...base, storageLocations: { local: { bucket: 'b', prefix: '', endpoint: 'http://127.0.0.1:7070' } } }, 'backup'))).toEqual(['WriteOwnLogs']);
  });

  it.each([
    ['a secret named by name, in its own region', { secretId: 'ferry/kube', region: 'eu-west-1' }, { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:eu-west-1:${AWS::AccountId}:secret:ferry/kube-??????' }],
    ['a secret named by name, in the stack\'s region', { secretId: 'ferry/kube' }, { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:ferry/kube-??????' }],
    ['a secret named by its ARN', { secretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf' }, 'arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf'],
  ])('reads only %s', (_case, source, arn) => {
    expect(bySid({ ...base, clusters: { c: { type: 'secretsManager', ...source } } }, 'backup').ReadClusterSecrets).toEqual(
      { Sid: 'ReadClusterSecrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [arn] });
  });

  it('describes only the named EKS clusters and uses KMS only on the named key', () => {
    const config: FerryConfig = {
      ...base,
      clusters: { a: { type: 'eks', name: 'prod', region: 'us-west-2' }, k: { type: 'kubeconfig', file: '/k' } },
      storageLocations: { default: { bucket: 'b', prefix: '', region: 'us-west-2', serverSideEncryption: 'aws:kms', kmsKeyId: '1234abcd-12ab' } },
    };
    expect(resources(config, 'restore')).toEqual([
      'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/ferry-dev-restore:*',
      'arn:${AWS::Partition}:s3:::b',
      'arn:${AWS::Partition}:s3:::b/*',
      'arn:${AWS::Partition}:s3:::b/restores/*',
      'arn:${AWS::Partition}:kms:us-west-2:${AWS::AccountId}:key/1234abcd-12ab',
      'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:ferry-dev-restore',
      'arn:${AWS::Partition}:eks:us-west-2:${AWS::AccountId}:cluster/prod',
    ]);
    expect(bySid(config, 'restore').ListBackupsdefault!.Condition).toBeUndefined();
  });

  it('never grants "*" as a resource, to any function', () => {
    for (const fn of Object.keys(FUNCTION_ACCESS) as FunctionName[]) {
      for (const r of resources(withClusters, fn)) expect(r).not.toMatch(/^\*$|:::\*|:\*:\*$|\/aws\/lambda\/\*/);
    }
  });
});

describe('functionRoles', () => {
  it('makes one role per function, assumable by Lambda only, holding that function\'s statements', () => {
    const roles = functionRoles(withClusters, 'ferry-dev');
    expect(Object.keys(roles)).toEqual(['FerryBackupRole', 'FerryIndexRole', 'FerryRestoreRole', 'FerryExpireRole', 'FerryConsoleRole']);
    const role = roles[roleLogicalId('index')]!.Properties as { RoleName: unknown; AssumeRolePolicyDocument: { Statement: unknown[] }; Policies: { PolicyDocument: { Statement: unknown[] } }[] };
    expect(role.RoleName).toEqual({ 'Fn::Sub': 'ferry-dev-${AWS::Region}-index' });
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }]);
    expect(role.Policies[0]!.PolicyDocument.Statement).toEqual(iamStatements(withClusters, 'index', 'ferry-dev'));
  });
});
