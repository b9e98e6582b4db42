// Creates the stack's bucket if it does not exist (run by stack.sh up with the stack's env loaded).
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';

const bucket = process.env.FERRY_S3_BUCKET ?? 'ferry-local';
const client = new S3Client({
  region: process.env.FERRY_S3_REGION ?? 'us-east-1', endpoint: process.env.FERRY_S3_ENDPOINT, forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
});
try {
  await client.send(new HeadBucketCommand({ Bucket: bucket }));
  console.error(`[stack] bucket ${bucket}: exists`);
} catch {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  console.error(`[stack] bucket ${bucket}: created`);
}
