import { createHash } from 'node:crypto';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';

/** Bytes each stage of the pipeline buffers: a few MiB in all, whatever the archive's size. */
const BUFFER_BYTES = 1024 * 1024;

/**
 * Joins small chunks into chunks of at least `size` bytes. tar-stream pushes each header, body and padding on its
 * own, and zlib sends every write through its thread pool: thousands of tiny writes cost more than compressing.
 */
function batch(size: number): Transform {
  let parts: Buffer[] = [];
  let bytes = 0;
  return new Transform({
    highWaterMark: BUFFER_BYTES,
    transform(chunk: Buffer, _encoding, done) {
      parts.push(chunk);
      bytes += chunk.length;
      if (bytes >= size) {
        const joined = Buffer.concat(parts, bytes);
        parts = [];
        bytes = 0;
        done(null, joined);
      } else {
        done();
      }
    },
    flush(done) {
      done(null, bytes > 0 ? Buffer.concat(parts, bytes) : undefined);
    },
  });
}

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
 * Writes a tar.gz as a stream into a consumer (a multipart upload): entries go through tar-stream and zlib into
 * the consumer one at a time, and `add` resolves only once tar-stream has taken the entry, so a slow consumer
 * slows the producer down instead of buffering the archive in memory. The SHA-256 and size of the compressed
 * bytes are computed on the way.
 */
export class ArchiveWriter {
  private readonly pack = tar.pack({ highWaterMark: BUFFER_BYTES } as never);
  private readonly hash = createHash('sha256');
  private size = 0;
  private failure?: ArchiveWriteError;
  /**
   * Callers waiting on the archive, rejected when it fails. NOTE: racing each `add` against one long-pending
   * "failed" promise would leave a reaction on that promise per call, kept until the end: memory growing with
   * the number of entries. Waiters are removed as they settle instead.
   */
  private readonly waiters = new Set<(err: Error) => void>();
  private readonly piped: Promise<void>;
  private readonly consumed: Promise<unknown>;
  private finished = false;

  /**
   * Starts the archive; `consume` receives the compressed stream (for example `body => store.upload(key, body)`)
   * and must read it to its end. If `consume` rejects, every pending and later `add` rejects.
   */
  constructor(consume: (body: Readable) => Promise<unknown>, private readonly options: ArchiveWriterOptions) {
    const count = new Transform({
      highWaterMark: BUFFER_BYTES,
      transform: (chunk: Buffer, _encoding, done) => {
        this.hash.update(chunk);
        this.size += chunk.length;
        this.options.onBytes?.(this.size);
        done(null, chunk);
      },
    });
    const body = new PassThrough({ highWaterMark: BUFFER_BYTES });
    const gzip = createGzip({ level: options.gzipLevel ?? 6, chunkSize: 256 * 1024 });
    this.piped = pipeline(this.pack, batch(BUFFER_BYTES / 2), gzip, count, body);
    // A consumer that stops reading closes the stream early; its own error says why, so let it arrive first.
    this.piped.catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ERR_STREAM_PREMATURE_CLOSE') setImmediate(() => this.fail(err));
      else this.fail(err);
    });
    // Failures reach callers through their waits; a destroyed pack must not also raise an unhandled 'error' event.
    this.pack.on('error', () => undefined);
    this.consumed = consume(body);
    this.consumed.catch((err: Error) => {
      this.fail(err);
      this.pack.destroy(err);
      body.destroy();
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

  /** Adds one file entry; resolves when the archive has taken it (backpressure), rejects once the archive failed. */
  async add(path: string, data: Uint8Array | string): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.finished) throw new ArchiveWriteError(`cannot add ${path}: the archive is finished`);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    await this.wait(new Promise<void>((resolve, reject) => {
      const entry = this.pack.entry({ name: path, size: bytes.length, mtime: this.options.mtime, mode: 0o644, type: 'file', uid: 0, gid: 0 },
        bytes, (err?: Error | null) => (err ? reject(err) : resolve()));
      // The callback reports the entry's failure; the entry stream must not raise it again as an unhandled event.
      entry.on('error', () => undefined);
    }));
  }

  /** Ends the archive and waits for the consumer; returns the compressed size and SHA-256. */
  async finish(): Promise<WrittenFile> {
    if (!this.finished) {
      this.finished = true;
      this.pack.finalize();
    }
    await this.wait(Promise.all([this.piped, this.consumed]));
    return { size: this.size, sha256: this.hash.digest('hex') };
  }

  /** Gives up: the stream fails with `reason`, so the consumer (a multipart upload) aborts; waits for it to settle. */
  async abort(reason: Error): Promise<void> {
    this.fail(reason);
    this.pack.destroy(reason);
    await Promise.allSettled([this.piped, this.consumed]);
  }
}
