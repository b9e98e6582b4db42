/**
 * The restore's spill: transformed objects written to a file in the function's ephemeral storage (as Velero
 * extracts a backup to disk) and read back one at a time when their priority group is applied, so that memory
 * holds a few bytes per object rather than the object.
 */
import { readSync } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where one spilled object is. */
export interface SpillRef {
  offset: number;
  length: number;
}

/** The ephemeral storage ran out of the room the restore may use. */
export class SpillLimitError extends Error {
  override name = 'SpillLimitError';
  constructor(readonly limit: number, options?: { cause?: unknown }) {
    super(`the transformed backup needs more than ${limit} bytes of ephemeral storage`, options);
  }
}

const FLUSH_BYTES = 1024 * 1024;

/** An append-only file of objects; writes are batched, reads go straight to the file. */
export class SpillFile {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private written = 0;

  private constructor(private readonly dir: string, private readonly file: FileHandle, private readonly limit: number) {}

  /** Opens a fresh spill in a new folder under `dir` (the OS's temporary folder by default). */
  static async create(options: { dir?: string; limit?: number } = {}): Promise<SpillFile> {
    const dir = await mkdtemp(join(options.dir ?? tmpdir(), 'ferry-restore-'));
    const file = await open(join(dir, 'objects.jsonl'), 'w+');
    return new SpillFile(dir, file, options.limit ?? Number.MAX_SAFE_INTEGER);
  }

  /** Bytes spilled so far. */
  get size(): number {
    return this.written + this.pendingBytes;
  }

  /** Appends bytes; throws SpillLimitError past the limit. */
  async append(bytes: Buffer): Promise<SpillRef> {
    const ref = { offset: this.size, length: bytes.length };
    if (ref.offset + ref.length > this.limit) throw new SpillLimitError(this.limit);
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
    return ref;
  }

  /** Writes what is batched; reads see everything appended before. */
  async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const chunk = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let done = 0;
    while (done < chunk.length) {
      const { bytesWritten } = await this.file.write(chunk, done, chunk.length - done, this.written + done);
      done += bytesWritten;
    }
    this.written += chunk.length;
  }

  /**
   * Reads one spilled object back. With a blocking pread: the few KB of one object, in a file this process has just
   * written (the page cache holds it), take microseconds that way, while the promise form costs a round trip through
   * libuv's thread pool for each object (a wake-up of a pool thread and of the event loop): with a restore reading
   * every object once to apply it and once for its result, that was the largest part of `ferry restore`'s own time
   * on a loaded machine (bench/restore-cli.ts, --cpu-prof).
   */
  async read(ref: SpillRef): Promise<Buffer> {
    if (ref.offset + ref.length > this.written) await this.flush();
    const buffer = Buffer.allocUnsafe(ref.length);
    let done = 0;
    while (done < ref.length) {
      const bytesRead = readSync(this.file.fd, buffer, done, ref.length - done, ref.offset + done);
      if (bytesRead === 0) throw new Error(`spill ended at ${ref.offset + done}, before ${ref.offset + ref.length}`);
      done += bytesRead;
    }
    return buffer;
  }

  /** Closes and deletes the spill. */
  async close(): Promise<void> {
    await this.file.close().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
