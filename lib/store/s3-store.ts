import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, ListMultipartUploadsCommand,
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
  S3ServiceException, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { NotFoundError, PreconditionFailedError, StoreError } from './errors.js';
import type { ObjectInfo, ObjectStore, OpenUpload, PutOptions } from './object-store.js';

/** S3's smallest multipart part: the upload buffers about queueSize + 1 parts, so the smallest holds least. */
const MIN_PART_SIZE = 5 * 1024 * 1024;

/** How long an aborted upload's own requests get to end before the upload is aborted on the bucket. */
const UPLOAD_SETTLE_MS = 30_000;

/** Waits for `work` to settle, or `ms`, whichever comes first. */
async function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise<void>((resolve) => { timer = setTimeout(resolve, ms); })]);
  clearTimeout(timer);
}

/** Where a bucket is and how to reach it. */
export interface S3Location {
  bucket: string;
  region?: string;
  /** A non-AWS endpoint such as versitygw's `http://127.0.0.1:7070`. */
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Server-side encryption for every write: `AES256` or `aws:kms` (with kmsKeyId). */
  serverSideEncryption?: 'AES256' | 'aws:kms';
  kmsKeyId?: string;
  /** Multipart part size in bytes (S3's minimum is 5 MiB). */
  partSize?: number;
  /** How long to wait for a connection, and for any answer on one (idle time, so long transfers are not cut). */
  timeouts?: { connectMs?: number; idleMs?: number };
}

/** Default S3 timeouts: a connection within 5 s, and no request silent for more than 30 s. */
export const DEFAULT_S3_TIMEOUTS = { connectMs: 5_000, idleMs: 30_000 };

/** The bucket and the server it is on, as messages name them. */
export function bucketPlace(location: Pick<S3Location, 'bucket' | 'endpoint' | 'region'>): string {
  return `bucket ${location.bucket} at ${location.endpoint ?? `s3.${location.region ?? 'us-east-1'}.amazonaws.com`}`;
}

/** Builds the S3 client for a location; non-AWS endpoints get checksums only when required. */
export function createS3Client(location: S3Location): S3Client {
  const config: S3ClientConfig = {
    region: location.region ?? 'us-east-1',
    forcePathStyle: location.forcePathStyle ?? Boolean(location.endpoint),
    ...(location.endpoint ? {
      endpoint: location.endpoint,
      // NOTE: non-AWS S3 servers reject the SDK's default CRC32 trailers on streamed uploads.
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    } : {}),
    ...(location.credentials ? { credentials: location.credentials } : {}),
    // NOTE: without these the SDK waits forever on a server that accepts connections and stops answering.
    requestHandler: {
      connectionTimeout: location.timeouts?.connectMs ?? DEFAULT_S3_TIMEOUTS.connectMs,
      socketTimeout: location.timeouts?.idleMs ?? DEFAULT_S3_TIMEOUTS.idleMs,
    },
  };
  return new S3Client(config);
}

/** The ObjectStore port over one S3 bucket. */
export class S3ObjectStore implements ObjectStore {
  constructor(private readonly client: S3Client, private readonly location: S3Location) {}

  private get sse() {
    const { serverSideEncryption, kmsKeyId } = this.location;
    return serverSideEncryption ? { ServerSideEncryption: serverSideEncryption, ...(kmsKeyId ? { SSEKMSKeyId: kmsKeyId } : {}) } : {};
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ etag: string }> {
    const out = await this.call('put', key, () => this.client.send(new PutObjectCommand({
      Bucket: this.location.bucket, Key: key, Body: body, ContentType: options.contentType,
      IfNoneMatch: options.ifNoneMatch, IfMatch: options.ifMatch, ...this.sse,
    })));
    return { etag: out.ETag ?? '' };
  }

  async upload(key: string, body: Readable, options: { contentType?: string } = {}): Promise<{ etag: string }> {
    const upload = new Upload({
      client: this.client, queueSize: 2, partSize: this.location.partSize ?? MIN_PART_SIZE, leavePartsOnError: false,
      params: { Bucket: this.location.bucket, Key: key, Body: body, ContentType: options.contentType, ...this.sse },
    });
    // A failing source must abort the multipart upload, never complete it with what was read so far.
    const failed = new Promise<never>((_, reject) => body.once('error', reject));
    const done = upload.done();
    done.catch(() => undefined);
    const out = await this.call('upload', key, async () => {
      try {
        return await Promise.race([done, failed]);
      } catch (err) {
        await upload.abort().catch(() => undefined);
        // Parts still being sent when the upload is aborted may land after it (S3 documents as much): the SDK's own
        // requests end first, then the upload is aborted on the bucket, as often as it is still listed.
        await settleWithin(done, UPLOAD_SETTLE_MS);
        await this.abortUploadsOf(key);
        throw err;
      }
    });
    return { etag: out.ETag ?? '' };
  }

  async get(key: string): Promise<{ body: Readable; etag: string; size: number }> {
    const out = await this.call('get', key, () => this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: key })));
    return { body: out.Body as Readable, etag: out.ETag ?? '', size: out.ContentLength ?? 0 };
  }

  async getBytes(key: string): Promise<{ bytes: Uint8Array; etag: string }> {
    const out = await this.call('get', key, () => this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: key })));
    const bytes = await this.call('get', key, () => out.Body!.transformToByteArray());
    return { bytes, etag: out.ETag ?? '' };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.call('head', key, () => this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: key })));
      return { key, size: out.ContentLength ?? 0, etag: out.ETag ?? '', lastModified: out.LastModified };
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const page = await this.call('list', prefix, () => this.client.send(new ListObjectsV2Command({
        Bucket: this.location.bucket, Prefix: prefix, ContinuationToken: token,
      })));
      for (const o of page.Contents ?? []) {
        yield { key: o.Key!, size: o.Size ?? 0, etag: o.ETag ?? '', lastModified: o.LastModified };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    await this.call('delete', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: key })));
  }

  async *listUploads(prefix: string): AsyncIterable<OpenUpload> {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.call('list uploads', prefix, () => this.client.send(new ListMultipartUploadsCommand({
        Bucket: this.location.bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker,
      })));
      for (const u of page.Uploads ?? []) {
        if (u.Key && u.UploadId) yield { key: u.Key, uploadId: u.UploadId, ...(u.Initiated ? { initiated: u.Initiated } : {}) };
      }
      const more = page.IsTruncated === true;
      keyMarker = more ? page.NextKeyMarker : undefined;
      uploadIdMarker = more ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
  }

  async abortUpload(upload: OpenUpload): Promise<void> {
    try {
      await this.call('abort upload', upload.key, () => this.client.send(new AbortMultipartUploadCommand({
        Bucket: this.location.bucket, Key: upload.key, UploadId: upload.uploadId,
      })));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  /**
   * Aborts every open multipart upload of exactly `key`, listing again after each round (at most three), since
   * NOTE: S3 may keep an upload whose part arrived while it was aborted. Best effort: the bucket may be what failed;
   * expiry aborts what is left a day later, and the bucket's lifecycle rule after it (README, Security).
   */
  private async abortUploadsOf(key: string): Promise<void> {
    try {
      for (let round = 0; round < 3; round++) {
        const open: OpenUpload[] = [];
        for await (const u of this.listUploads(key)) if (u.key === key) open.push(u);
        if (open.length === 0) return;
        for (const u of open) await this.abortUpload(u);
      }
    } catch {
      // See above: left to expiry and the lifecycle rule.
    }
  }

  /** Runs one SDK call, translating S3's answers into the port's errors. */
  private async call<T>(operation: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw translateS3Error(operation, key, err, this.location);
    }
  }
}

function translateS3Error(operation: string, key: string, err: unknown, location: S3Location): Error {
  if (err instanceof NotFoundError || err instanceof PreconditionFailedError || err instanceof StoreError) return err;
  const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
  const name = (err as { name?: string }).name;
  const code = (err as { code?: string }).code;
  const place = bucketPlace(location);
  if (name === 'NoSuchBucket') return new StoreError(operation, key, { cause: new Error(`${place} does not exist`, { cause: err }) });
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') {
    const t = { ...DEFAULT_S3_TIMEOUTS, ...location.timeouts };
    return new StoreError(operation, key, { cause: new Error(`${place} did not answer (no connection within ${t.connectMs / 1000} s, or silent for ${t.idleMs / 1000} s)`, { cause: err }) });
  }
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/.test(code)) {
    return new StoreError(operation, key, { cause: new Error(`${place} cannot be reached: ${code}`, { cause: err }) });
  }
  if (status === 404 || name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchUpload') return new NotFoundError(key, { cause: err });
  if (status === 412 || name === 'PreconditionFailed') return new PreconditionFailedError(key, { cause: err });
  return new StoreError(operation, key, { cause: err });
}

/** Reads a stream fully; for tests and small objects. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

