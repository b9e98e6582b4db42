// A bucket of its own on the stack's S3 server with S3 object lock enabled, for tests of retention and legal holds.
import {
  CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, PutObjectLegalHoldCommand,
} from '@aws-sdk/client-s3';
import { createS3Client, S3ObjectStore } from '../../lib/store/s3-store.js';
import { freshName, stackS3Location } from './stack.js';

/** A locked bucket: create it, put and lift legal holds, and remove it with everything in it. */
export function lockedBucket(prefix: string) {
  const bucket = freshName(prefix);
  const location = { ...stackS3Location(), bucket };
  const client = createS3Client(location);
  const hold = (key: string, on: boolean) => client.send(new PutObjectLegalHoldCommand({ Bucket: bucket, Key: key, LegalHold: { Status: on ? 'ON' : 'OFF' } }));
  return {
    bucket, location, client, hold,
    store: new S3ObjectStore(client, location),
    create: () => client.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true })),
    /** Lifts every hold, deletes every object and the bucket. */
    async remove(): Promise<void> {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket })).catch(() => undefined);
      for (const o of listed?.Contents ?? []) {
        await hold(o.Key!, false).catch(() => undefined);
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key! }));
      }
      await client.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
    },
  };
}
