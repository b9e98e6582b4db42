// An in-memory ObjectStore with S3's conditional-write semantics, a call log, object-lock protection, a hook
// that runs before a write (to simulate a concurrent writer) and injected failures (a put refused, a streamed
// upload broken midway): a fake that records, for unit tests.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { NotFoundError, PreconditionFailedError, StoreError } from '../../lib/store/errors.js';
import type { ObjectInfo, ObjectStore, OpenUpload, PutOptions } from '../../lib/store/object-store.js';

interface Stored { bytes: Buffer; etag: string; lastModified: Date }

/** An ObjectStore over a Map. */
export class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, Stored>();
  /** Every call, as `<operation> <key>`. */
  readonly calls: string[] = [];
  /** Keys whose deletion S3 refuses (retention or legal hold). */
  readonly protectedKeys = new Set<string>();
  /** Runs before each put, after its conditions are known: lets a test slip a concurrent write in. */
  beforePut?: (key: string, options: PutOptions) => Promise<void> | void;
  /** Bytes per chunk of a streamed get. */
  chunkSize = 4096;
  /** Keys written, in order (puts and completed uploads). */
  readonly writes: string[] = [];
  /** Keys whose streamed upload failed and was aborted. */
  readonly aborted: string[] = [];
  /** A streamed upload fails once it has read more than this many bytes. */
  failUploadAfter?: number;
  /** Puts of matching keys fail. */
  failPutOf?: RegExp;

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ etag: string }> {
    this.calls.push(`put ${key}`);
    if (this.failPutOf?.test(key)) throw new StoreError('put', key, { cause: new Error('injected failure') });
    await this.beforePut?.(key, options);
    const existing = this.objects.get(key);
    if (options.ifNoneMatch === '*' && existing) throw new PreconditionFailedError(key);
    if (options.ifMatch !== undefined && existing?.etag !== options.ifMatch) {
      if (!existing) throw new NotFoundError(key);
      throw new PreconditionFailedError(key);
    }
    return this.store(key, Buffer.from(body));
  }

  async upload(key: string, body: Readable): Promise<{ etag: string }> {
    this.calls.push(`upload ${key}`);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const c of body) {
        size += (c as Uint8Array).length;
        if (this.failUploadAfter !== undefined && size > this.failUploadAfter) throw new StoreError('upload', key, { cause: new Error('connection reset by the bucket') });
        chunks.push(Buffer.from(c as Uint8Array));
      }
    } catch (err) {
      this.aborted.push(key);
      throw err;
    }
    return this.store(key, Buffer.concat(chunks));
  }

  async get(key: string): Promise<{ body: Readable; etag: string; size: number }> {
    this.calls.push(`get ${key}`);
    const o = this.require(key);
    const chunks: Buffer[] = [];
    for (let i = 0; i < o.bytes.length; i += this.chunkSize) chunks.push(o.bytes.subarray(i, i + this.chunkSize));
    return { body: Readable.from(chunks), etag: o.etag, size: o.bytes.length };
  }

  async getBytes(key: string): Promise<{ bytes: Uint8Array; etag: string }> {
    this.calls.push(`getBytes ${key}`);
    const o = this.require(key);
    return { bytes: Buffer.from(o.bytes), etag: o.etag };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    this.calls.push(`head ${key}`);
    const o = this.objects.get(key);
    return o ? { key, size: o.bytes.length, etag: o.etag, lastModified: o.lastModified } : undefined;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    this.calls.push(`list ${prefix}`);
    for (const key of [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort()) {
      const o = this.objects.get(key);
      if (o) yield { key, size: o.bytes.length, etag: o.etag, lastModified: o.lastModified };
    }
  }

  async delete(key: string): Promise<void> {
    this.calls.push(`delete ${key}`);
    if (this.protectedKeys.has(key)) {
      const cause = Object.assign(new Error('Access Denied because object protected by object lock.'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      throw new StoreError('delete', key, { cause });
    }
    this.objects.delete(key);
  }

  /** Multipart uploads left open (a test adds them, as a crashed writer would leave them). */
  readonly openUploads: OpenUpload[] = [];

  async *listUploads(prefix: string): AsyncIterable<OpenUpload> {
    this.calls.push(`listUploads ${prefix}`);
    for (const u of this.openUploads.filter((o) => o.key.startsWith(prefix))) yield u;
  }

  async abortUpload(upload: OpenUpload): Promise<void> {
    this.calls.push(`abortUpload ${upload.key} ${upload.uploadId}`);
    const i = this.openUploads.findIndex((u) => u.uploadId === upload.uploadId);
    if (i >= 0) this.openUploads.splice(i, 1);
  }

  /** The stored bytes of a key as text. */
  text(key: string): string {
    return this.require(key).bytes.toString('utf8');
  }

  /** The stored bytes of a key. */
  bytes(key: string): Buffer {
    return this.require(key).bytes;
  }

  /** A stored JSON object, parsed. */
  json(key: string): Record<string, unknown> {
    return JSON.parse(this.text(key)) as Record<string, unknown>;
  }

  private store(key: string, bytes: Buffer): { etag: string } {
    const etag = `"${createHash('md5').update(bytes).digest('hex')}"`;
    this.objects.set(key, { bytes, etag, lastModified: new Date() });
    this.writes.push(key);
    return { etag };
  }

  private require(key: string): Stored {
    const o = this.objects.get(key);
    if (!o) throw new NotFoundError(key);
    return o;
  }
}
