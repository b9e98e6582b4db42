/**
 * A streaming reader for untrusted .tar.gz archives: yields one entry at a time with bounded memory, never
 * touching a filesystem. Links, devices, absolute paths and `..` are refused; an entry, the decompressed total,
 * the number of entries and the compression ratio are capped, so a gzip bomb stops early.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';

/** Caps applied while reading an archive. */
export interface ArchiveLimits {
  /** Largest single entry, in bytes. */
  maxEntryBytes: number;
  /** Largest decompressed total (tar stream bytes), in bytes. */
  maxTotalBytes: number;
  /** Most entries (files and folders). */
  maxEntries: number;
  /** Largest decompressed/compressed ratio, checked once `ratioCheckAfterBytes` have been decompressed. */
  maxCompressionRatio: number;
  /** Decompressed bytes before the ratio is checked (small archives are mostly tar padding and compress very well). */
  ratioCheckAfterBytes: number;
}

/**
 * Defaults sized for Kubernetes objects (etcd caps an object near 1.5 MiB). The decompressed total is what a
 * restore may spill to its ephemeral storage (serverless.yml gives the restore function room for it).
 */
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxEntryBytes: 8 * 1024 * 1024,
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
  maxEntries: 1_000_000,
  maxCompressionRatio: 200,
  ratioCheckAfterBytes: 16 * 1024 * 1024,
};

/** Why an archive was refused: unreadable bytes, an unsafe entry, or a limit. */
export type ArchiveProblem = 'format' | 'unsafe' | 'limit';

/** The archive cannot be read safely; `entry` names the entry concerned, when there is one. */
export class ArchiveError extends Error {
  override name = 'ArchiveError';
  /** Which limit was exceeded, when problem is `limit`. */
  readonly limit?: keyof ArchiveLimits;
  constructor(readonly problem: ArchiveProblem, message: string, readonly entry?: string, options?: { cause?: unknown; limit?: keyof ArchiveLimits }) {
    super(message, options);
    if (options?.limit) this.limit = options.limit;
  }
}

/** One entry of an archive; read its body (or not) before asking for the next entry. */
export interface ArchiveEntry {
  path: string;
  type: 'file' | 'directory';
  size: number;
  /** The whole body (at most `maxEntryBytes`). */
  bytes(): Promise<Buffer>;
  /** The body chunk by chunk, for callers that hash or copy it. */
  stream: AsyncIterable<Buffer>;
}

const FILE_TYPES = new Set(['file', 'contiguous-file']);

/**
 * Bytes gunzip takes in and gives out at a time. Each batch is a job on libuv's thread pool and a wake-up of the
 * event loop when it is done, and on a loaded machine each such hand-off between threads waits to be scheduled: with
 * zlib's default of 16 KiB, a 10,000-object backup (13 MB compressed, 20 MB of tar) took about 1,300 of them.
 */
const GUNZIP_CHUNK_BYTES = 256 * 1024;

/** True when a path may come out of an archive: relative, no `..` or `.` segment, no backslash or NUL. */
export function isSafeArchivePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\') || path.includes('\0')) return false;
  return !path.replace(/\/$/, '').split('/').some((s) => s === '..' || s === '.' || s === '');
}

/**
 * Reads a .tar.gz stream entry by entry. Throws ArchiveError for bytes that are not a well-formed tar.gz,
 * for unsafe entries and for exceeded limits; errors of `source` itself (the network) are rethrown unchanged.
 */
export async function* readArchive(source: Readable, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): AsyncGenerator<ArchiveEntry> {
  let compressed = 0;
  let decompressed = 0;
  // The compressed bytes go to gunzip in batches of about GUNZIP_CHUNK_BYTES: see there.
  let batch: Buffer[] = [];
  let batchBytes = 0;
  const countIn = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      compressed += chunk.length;
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes < GUNZIP_CHUNK_BYTES) return cb();
      const out = Buffer.concat(batch, batchBytes);
      batch = [];
      batchBytes = 0;
      cb(null, out);
    },
    flush(cb: TransformCallback) {
      cb(null, batchBytes > 0 ? Buffer.concat(batch, batchBytes) : undefined);
    },
  });
  const countOut = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      decompressed += chunk.length;
      if (decompressed > limits.maxTotalBytes) {
        return cb(new ArchiveError('limit', `decompressed size exceeds the limit of ${limits.maxTotalBytes} bytes`, undefined, { limit: 'maxTotalBytes' }));
      }
      if (decompressed >= limits.ratioCheckAfterBytes && decompressed / Math.max(compressed, 1) > limits.maxCompressionRatio) {
        return cb(new ArchiveError('limit', `compression ratio exceeds ${limits.maxCompressionRatio}:1 (${decompressed} bytes from ${compressed}): a gzip bomb`, undefined, { limit: 'maxCompressionRatio' }));
      }
      cb(null, chunk);
    },
  });
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  const extract = tarExtract();
  const stageErrors = new Map<unknown, 'format' | 'source'>();
  // The pipeline forwards one stage's error to every other stage: the first stage to report an error owns it.
  const owns = (stage: 'format' | 'source') => (err: unknown) => { if (!stageErrors.has(err)) stageErrors.set(err, stage); };
  source.on('error', owns('source'));
  gunzip.on('error', owns('format'));
  extract.on('error', owns('format'));
  const piped = pipeline(source, countIn, gunzip, countOut, extract);
  piped.catch(() => undefined); // observed below; a failure also ends the loop over entries

  let entries = 0;
  let current: string | undefined;
  try {
    for await (const entry of extract) {
      const { name: path, type, size = 0 } = entry.header;
      current = path;
      if (++entries > limits.maxEntries) throw new ArchiveError('limit', `more than ${limits.maxEntries} entries`, path, { limit: 'maxEntries' });
      if (!isSafeArchivePath(path)) throw new ArchiveError('unsafe', `unsafe entry path "${path}"`, path);
      if (type !== 'directory' && !FILE_TYPES.has(type)) {
        const target = entry.header.linkname ? ` -> "${entry.header.linkname}"` : '';
        throw new ArchiveError('unsafe', `entry "${path}" is a ${type}${target}, not a regular file`, path);
      }
      if (size > limits.maxEntryBytes) {
        throw new ArchiveError('limit', `entry "${path}" is ${size} bytes, over the limit of ${limits.maxEntryBytes}`, path, { limit: 'maxEntryBytes' });
      }
      let consumed = false;
      const body = (async function* () {
        consumed = true;
        try {
          for await (const chunk of entry) yield chunk as Buffer;
        } catch (err) {
          // The bytes can end or break while the caller reads a body, outside this generator's own loop: the
          // error is judged the same way there.
          throw classify(err, stageErrors, path);
        }
      })();
      yield {
        path, size, type: type === 'directory' ? 'directory' : 'file', stream: body,
        bytes: async () => {
          const chunks: Buffer[] = [];
          for await (const chunk of body) chunks.push(chunk);
          return Buffer.concat(chunks);
        },
      };
      // A caller that skipped the body still has to let it flow past.
      if (!consumed) entry.resume();
      current = undefined;
    }
    await piped;
  } catch (err) {
    throw classify(err, stageErrors, current);
  } finally {
    if (!extract.destroyed) extract.destroy();
    if (!source.destroyed) source.destroy();
  }
}

function classify(err: unknown, stageErrors: Map<unknown, 'format' | 'source'>, entry: string | undefined): unknown {
  if (err instanceof ArchiveError) return err;
  const stage = stageErrors.get(err);
  if (stage === 'source') return err;
  const message = (err as Error)?.message ?? String(err);
  const code = (err as NodeJS.ErrnoException)?.code;
  if (stage === 'format' || code?.startsWith('Z_')) {
    return new ArchiveError('format', `not a readable tar.gz: ${message}`, entry, { cause: err });
  }
  return err;
}
