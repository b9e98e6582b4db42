// The expire function with credentials that may read and write the bucket but not delete: on a private versitygw
// with IAM accounts, a bucket policy grants an account everything expire does but s3:DeleteObject. S3 answers
// AccessDenied to it as it does to an object lock; expire must tell them apart and fail loudly, not skip forever.
import { PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireHandlerCore } from '../../functions/expire.js';
import { readCatalogEntry } from '../../lib/catalog/catalog-entry.js';
import { DeleteDeniedError } from '../../lib/catalog/errors.js';
import { indexBackup } from '../../lib/catalog/index-backup.js';
import { silentLog } from '../../lib/catalog/types.js';
import { BucketLayout } from '../../lib/store/layout.js';
import type { ObjectStore } from '../../lib/store/object-store.js';
import { createS3Client, S3ObjectStore } from '../../lib/store/s3-store.js';
import { buildBackup, putBackup } from '../support/backup-fixture.js';
import { startPrivateVersity, type PrivateVersity } from '../support/catalog-stack.js';

const BUCKET = 'ferry-no-delete';
const PAST = new Date(Date.now() - 86_400_000);

async function keysUnder(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  return keys.sort();
}

describe('the expire function with credentials that lack s3:DeleteObject', () => {
  let vgw: PrivateVersity;
  beforeAll(async () => { vgw = await startPrivateVersity(BUCKET, { iam: true }); }, 60_000);
  afterAll(async () => { await vgw?.stop(); });

  it('fails naming the key and the missing permission, deletes nothing and leaves the catalog entry as it was', async () => {
    await vgw.createUser('expirer', 'expirer-secret');
    await createS3Client(vgw.location).send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: ['expirer'] }, Action: ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 's3:ListBucketMultipartUploads', 's3:AbortMultipartUpload'],
        Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`] }],
    }) }));
    const layout = new BucketLayout('team');
    const name = 'expired-1';
    await putBackup(vgw.store, layout, name, await buildBackup(name, { expires: PAST }));
    await indexBackup(name, { store: vgw.store, layout, now: () => new Date(), log: silentLog });
    const before = await keysUnder(vgw.store, layout.backupPrefix(name));
    const entry = (await readCatalogEntry(vgw.store, layout, name)).entry;

    const expirer = { ...vgw.location, credentials: { accessKeyId: 'expirer', secretAccessKey: 'expirer-secret' } };
    const store = new S3ObjectStore(createS3Client(expirer), expirer);
    const location = { name: 'team', place: 'team', open: () => ({ store, layout }) };
    const err = await expireHandlerCore({ dryRun: false }, { locations: [location], now: () => new Date(), log: silentLog }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(DeleteDeniedError);
    expect((err as Error).message).toMatch(new RegExp(`^cannot delete team/backups/${name}/ferry-manifest.json: AccessDenied: .*not an object lock.*s3:DeleteObject`));
    expect(await keysUnder(vgw.store, layout.backupPrefix(name))).toEqual(before);
    expect((await readCatalogEntry(vgw.store, layout, name)).entry).toEqual(entry);
  });
});
