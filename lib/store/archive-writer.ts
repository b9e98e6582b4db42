import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { gzip } from 'node:zlib';
import { TarHeaders, tarPaddingSize, TAR_END } from './tar-headers.js';

/** Uncompressed bytes gathered before they are compressed as one gzip member. */
const BATCH_BYTES = 1024 * 1024;
/**
 * zlib's output chunk: its default 16 KiB cost a thread-pool round trip and a callback on this thread each; a
 * chunk as large as a batch left most of a MiB unused per member, kept until a GC.
 */
const GZIP_CHUNK_BYTES = 256 * 1024;
/** gzip members being compressed (on libuv's thread pool) or waiting to be written, at most. */
const MAX_QUEUED = 3;
/** Bytes the stream to the consumer buffers. */
const BODY_BUFFER_BYTES = 1024 * 1024;

/** Size and SHA-256 of a written file, as the manifest records them. */
export interface WrittenFile {
  size: number;
  sha256: string;
}

/** Options of an archive writer. */
export interface ArchiveWriterOptions {
  /** Modification time of every entry (the backup's start), so that a run does not read the clock itself. */
  mtime: Date;
  /** Called with the compressed bytes written so far, as they are written. */
  onBytes?: (bytes: number) => void;
  /** gzip level, 1 (fast) to 9 (small); default 6, as gzip's own default. */
  gzipLevel?: number;
}

/** Thrown by `add` and `finish` once the archive cannot be completed; `cause` is the first failure. */
export class ArchiveWriteError extends Error {
  override name = 'ArchiveWriteError';
}

/**
 * Writes a tar.gz as a stream into a consumer (a multipart upload). Tar headers are written here (ustar, with a
 * PAX header for paths ustar cannot hold) into batches of about 1 MiB; each batch is compressed as one gzip
 * member on the thread pool, a few at once, and the members go to the consumer in order (concatenated members
 * are one valid gzip file, which gzip, Go and Node readers all read whole). `add` waits while the consumer is
 * behind, so a slow consumer slows the producer down instead of buffering the archive in memory. The SHA-256
 * and size of the compressed bytes are computed on the way.
 */
export class ArchiveWriter {
  private readonly hash = createHash('sha256');
  private readonly body = new PassThrough({ highWaterMark: BODY_BUFFER_BYTES });
  private readonly consumed: Promise<unknown>;
  private readonly headers: TarHeaders;
  /** Batch buffers whose compression is done, for reuse: fresh ones would wait for a GC to be freed. */
  private readonly spare: Buffer[] = [];
  private batch: Buffer = Buffer.allocUnsafe(BATCH_BYTES);
  private batchBytes = 0;
  /** Compressed members in archive order, oldest first. */
  private readonly queue: Promise<Buffer>[] = [];
  private pumping?: Promise<void>;
  private size = 0;
  private archived = 0;
  private failure?: ArchiveWriteError;
  /**
   * Callers waiting on the archive, rejected when it fails. NOTE: racing each call against one long-pending
   * "failed" promise would leave a reaction on that promise per call, kept until the end: memory growing with
   * the number of entries. Waiters are removed as they settle instead.
   */
  private readonly waiters = new Set<(err: Error) => void>();
  /** Producers waiting for the queue to shrink. */
  private spaceWaiters: (() => void)[] = [];
  private finished = false;

  /**
   * Starts the archive; `consume` receives the compressed stream (for example `body => store.upload(key, body)`)
   * and must read it to its end. If `consume` rejects, every pending and later `add` rejects.
   */
  constructor(consume: (body: Readable) => Promise<unknown>, private readonly options: ArchiveWriterOptions) {
    this.headers = new TarHeaders(options.mtime);
    // Failures reach callers through their waits; a destroyed body must not also raise an unhandled 'error' event.
    this.body.on('error', () => undefined);
    this.consumed = consume(this.body);
    this.consumed.catch((err: Error) => {
      this.fail(err);
      this.body.destroy();
    });
  }

  /** Records the first failure and rejects everyone waiting. */
  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = new ArchiveWriteError(`the archive could not be written: ${err.message}`, { cause: err });
    for (const reject of this.waiters) reject(this.failure);
    this.waiters.clear();
  }

  /** Waits for `work`, or for the archive to fail, whichever comes first. */
  private async wait<T>(work: Promise<T>): Promise<T> {
    // Once the archive failed, `work` may reject later with nobody listening: that is expected, not unhandled.
    work.catch(() => undefined);
    if (this.failure) throw this.failure;
    let reject!: (err: Error) => void;
    const failed = new Promise<never>((_, r) => { reject = r; });
    this.waiters.add(reject);
    try {
      return await Promise.race([work, failed]);
    } finally {
      this.waiters.delete(reject);
    }
  }

  /** Compressed bytes written so far. */
  get bytesWritten(): number {
    return this.size;
  }

  /** Bytes of tar entries (headers, contents, padding) taken so far, before compression. */
  get bytesArchived(): number {
    return this.archived;
  }

  /** Adds one file entry; resolves when the archive has taken it (backpressure), rejects once the archive failed. */
  async add(path: string, data: Uint8Array | string): Promise<void> {
    await this.addCopies([path], [typeof data === 'string' ? Buffer.from(data, 'utf8') : data]);
  }

  /** As `append`, then waits while the archive is behind (see `mustWait`). */
  async addCopies(paths: readonly string[], parts: readonly Uint8Array[]): Promise<void> {
    this.append(paths, parts);
    if (this.mustWait) await this.ready();
  }

  /**
   * True while more gzip members wait than the bound allows: a producer should await `ready()` before it adds
   * more. A getter rather than a promise per entry: most entries need no wait, and a promise for each of them
   * cost a backup more than the check.
   */
  get mustWait(): boolean {
    return this.queue.length > MAX_QUEUED;
  }

  /** Resolves once the archive can take more (at once when it can); rejects once the archive failed. */
  ready(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.mustWait) return Promise.resolve();
    return this.wait(new Promise<void>((resolve) => this.spaceWaiters.push(resolve)));
  }

  /**
   * Adds the same content under each of `paths` (an item and its preferred-version copy), the content given as
   * parts written one after the other, at once; throws once the archive failed or finished. It never waits:
   * callers check `mustWait` (or use `addCopies`), so that memory stays bounded.
   */
  append(paths: readonly string[], parts: readonly Uint8Array[]): void {
    if (this.failure) throw this.failure;
    if (this.finished) throw new ArchiveWriteError(`cannot add ${paths[0]}: the archive is finished`);
    let size = 0;
    for (let p = 0; p < parts.length; p++) size += parts[p]!.length;
    const padding = tarPaddingSize(size);
    let needed = 0;
    for (let i = 0; i < paths.length; i++) needed += this.headers.sizeOf(paths[i]!) + size + padding;
    this.archived += needed;
    if (this.batchBytes + needed > this.batch.length) {
      this.flushBatch();
      if (needed > this.batch.length) this.batch = Buffer.allocUnsafe(needed);
    }
    const batch = this.batch;
    let at = this.batchBytes;
    for (let i = 0; i < paths.length; i++) {
      at += this.headers.write(batch, at, paths[i]!, size);
      for (let p = 0; p < parts.length; p++) {
        const part = parts[p]!;
        batch.set(part, at);
        at += part.length;
      }
      batch.fill(0, at, at + padding);
      at += padding;
    }
    this.batchBytes = at;
    if (this.batchBytes >= BATCH_BYTES) this.flushBatch();
  }

  /** Sends the gathered bytes to be compressed as one member, and makes sure they are written in order. */
  private flushBatch(): void {
    if (this.batchBytes === 0) return;
    const full = this.batch;
    const input = full.subarray(0, this.batchBytes);
    this.batch = this.spare.pop() ?? Buffer.allocUnsafe(BATCH_BYTES);
    this.batchBytes = 0;
    const member = new Promise<Buffer>((resolve, reject) => {
      gzip(input, { level: this.options.gzipLevel ?? 6, chunkSize: GZIP_CHUNK_BYTES }, (err, out) => {
        if (full.length === BATCH_BYTES && this.spare.length < MAX_QUEUED) this.spare.push(full);
        if (err) reject(err);
        else resolve(out);
      });
    });
    member.catch(() => undefined);
    this.queue.push(member);
    // NOTE: pump clears `pumping` in the same step as it finds the queue empty, so no member is left unwritten.
    this.pumping ??= this.pump();
  }

  /** Writes compressed members to the consumer in order, waiting while it is behind. */
  private async pump(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.failure) {
        const out = await this.queue[0]!;
        this.queue.shift();
        this.releaseSpace();
        if (this.failure) return;
        this.hash.update(out);
        this.size += out.length;
        this.options.onBytes?.(this.size);
        if (!this.body.write(out)) await this.wait(new Promise<void>((resolve) => this.body.once('drain', resolve)));
      }
    } catch (err) {
      this.fail(err as Error);
      this.body.destroy(err as Error);
    } finally {
      this.pumping = undefined;
    }
  }

  private releaseSpace(): void {
    if (this.queue.length > MAX_QUEUED) return;
    const waiting = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const resolve of waiting) resolve();
  }

  /** Ends the archive and waits for the consumer; returns the compressed size and SHA-256. */
  async finish(): Promise<WrittenFile> {
    if (!this.finished) {
      if (this.failure) throw this.failure;
      this.finished = true;
      if (this.batchBytes + TAR_END.length > this.batch.length) this.flushBatch();
      this.batch.set(TAR_END, this.batchBytes);
      this.batchBytes += TAR_END.length;
      this.flushBatch();
      await this.wait(this.pumping ?? Promise.resolve());
      if (this.failure) throw this.failure;
      this.body.end();
    }
    await this.wait(this.consumed);
    return { size: this.size, sha256: this.hash.digest('hex') };
  }

  /** Gives up: the stream fails with `reason`, so the consumer (a multipart upload) aborts; waits for it to settle. */
  async abort(reason: Error): Promise<void> {
    this.fail(reason);
    this.queue.length = 0;
    this.releaseSpace();
    this.body.destroy(reason);
    await Promise.allSettled([this.pumping, this.consumed]);
  }
}
