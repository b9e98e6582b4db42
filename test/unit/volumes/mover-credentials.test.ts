import { describe, expect, it } from 'vitest';
import { MoverError } from '../../../lib/volumes/errors.js';
import { moverSessionName, moverSessionPolicy, sessionSeconds, stsMoverCredentials, type AssumeRoleRequest } from '../../../lib/volumes/mover-credentials.js';
import { SdkSts } from '../../../lib/volumes/sts-client.js';

const objects = (bucket: string, prefix: string, partition = 'aws') => ({ Sid: 'RepositoryObjects', Effect: 'Allow',
  Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: [`arn:${partition}:s3:::${bucket}/${prefix}*`] });
const listing = (bucket: string, prefix: string, partition = 'aws') => ({ Sid: 'ListRepository', Effect: 'Allow', Action: ['s3:ListBucket'],
  Resource: [`arn:${partition}:s3:::${bucket}`], Condition: { StringLike: { 's3:prefix': [`${prefix}*`] } } });

describe('moverSessionPolicy', () => {
  it.each([
    ['a location with a prefix reaches only that prefix\'s repository of the namespace', 'backups', 'team/a/kopia/shop/', 'aws', 'team/a/kopia/shop/'],
    ['a location at the bucket root reaches only kopia/<namespace>/', 'backups', 'kopia/shop/', 'aws', 'kopia/shop/'],
    ['a prefix given without its trailing slash does not reach a namespace whose name starts the same', 'backups', 'kopia/shop', 'aws', 'kopia/shop/'],
    ['a role in the China partition gets ARNs of that partition', 'b-cn', 'kopia/shop/', 'aws-cn', 'kopia/shop/'],
  ])('%s', (_name, bucket, prefix, partition, expected) => {
    expect(moverSessionPolicy(bucket, prefix, partition)).toEqual({ Version: '2012-10-17', Statement: [objects(bucket, expected, partition), listing(bucket, expected, partition)] });
  });

  it('names no other action and no wildcard bucket', () => {
    const text = JSON.stringify(moverSessionPolicy('b', 'p/kopia/n/'));
    expect(text).not.toMatch(/s3:\*|"\*"|:::\*/);
  });
});

describe('sessionSeconds and moverSessionName', () => {
  it.each([
    ['a short move still gets STS\'s minimum of 15 minutes', 60_000, 900],
    ['a 30-minute move gets 35 minutes', 30 * 60_000, 2100],
    ['a move longer than an hour is capped at the hour a chained role session may last', 3 * 3600_000, 3600],
  ])('%s', (_name, timeoutMs, seconds) => {
    expect(sessionSeconds(timeoutMs)).toBe(seconds);
  });

  it('names the session after the namespace, in STS\'s alphabet and length', () => {
    expect(moverSessionName('team/kopia/shop/')).toBe('ferry-mover-shop');
    expect(moverSessionName(`kopia/${'n'.repeat(63)}/`)).toHaveLength(64);
  });
});

describe('stsMoverCredentials', () => {
  it('assumes the role once per move with the repository\'s session policy and hands back the session', async () => {
    const calls: AssumeRoleRequest[] = [];
    const credentials = stsMoverCredentials({
      assumeRole: async (r) => { calls.push(r); return { accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't' }; },
    }, { roleArn: 'arn:aws-us-gov:iam::123456789012:role/mover', bucket: 'b', moveTimeoutMs: 600_000 });
    expect(await credentials('x/kopia/shop/')).toEqual({ accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't' });
    expect(calls).toEqual([{ roleArn: 'arn:aws-us-gov:iam::123456789012:role/mover', sessionName: 'ferry-mover-shop', durationSeconds: 900,
      policy: JSON.stringify(moverSessionPolicy('b', 'x/kopia/shop/', 'aws-us-gov')) }]);
  });

  it('turns a refused AssumeRole into a MoverError naming the role and the field', async () => {
    const credentials = stsMoverCredentials({ assumeRole: async () => { throw new Error('AccessDenied: not authorized to perform sts:AssumeRole'); } },
      { roleArn: 'arn:aws:iam::123456789012:role/mover', bucket: 'b', moveTimeoutMs: 60_000 });
    const err = await credentials('kopia/shop/').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoverError);
    expect((err as Error).message).toBe('could not assume the movers\' role arn:aws:iam::123456789012:role/mover (volumeData.moverRoleArn) for kopia/shop/: AccessDenied: not authorized to perform sts:AssumeRole');
  });
});

describe('SdkSts (the adapter, with a fake STS client)', () => {
  const request: AssumeRoleRequest = { roleArn: 'arn:aws:iam::123456789012:role/mover', sessionName: 'ferry-mover-shop', policy: '{}', durationSeconds: 900 };

  it('sends AssumeRole with the role, session name, policy and duration, and returns the session\'s keys', async () => {
    const sent: unknown[] = [];
    const sts = new SdkSts({ send: async (command) => { sent.push(command.input); return { Credentials: { AccessKeyId: 'ASIA1', SecretAccessKey: 's', SessionToken: 't' } }; } });
    expect(await sts.assumeRole(request)).toEqual({ accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't' });
    expect(sent).toEqual([{ RoleArn: request.roleArn, RoleSessionName: 'ferry-mover-shop', Policy: '{}', DurationSeconds: 900 }]);
  });

  it('refuses an answer without a session token', async () => {
    const sts = new SdkSts({ send: async () => ({ Credentials: { AccessKeyId: 'ASIA1', SecretAccessKey: 's' } }) });
    await expect(sts.assumeRole(request)).rejects.toThrow('STS AssumeRole of arn:aws:iam::123456789012:role/mover answered without credentials');
  });
});
