/**
 * What the commands open, with feedback: a storage location whose store says "waiting for bucket B at URL" when a
 * request takes more than a moment, and a cluster that says "connecting to cluster X at URL" when its first answer
 * is slow. S3 timeouts may be shortened with FERRY_S3_TIMEOUT (seconds a request may stay silent).
 */
import { loadConfig, openCluster, openStore, type OpenedLocation } from '../compose.js';
import type { Cluster } from '../kube/cluster.js';
import type { FerryConfig } from '../spec/config.js';
import type { ObjectInfo, ObjectStore, OpenUpload } from '../store/object-store.js';
import { bucketPlace, DEFAULT_S3_TIMEOUTS } from '../store/s3-store.js';
import { configPath, UsageError } from './args.js';
import type { CliIo } from './io.js';

/** Runs `work`; when it has not settled after io.slowAfterMs (1 s by default), prints `line` on stderr once. */
export async function waitingFor<T>(io: CliIo, line: string, work: Promise<T>): Promise<T> {
  const timer = setTimeout(() => io.stderr(`${line}\n`), io.slowAfterMs ?? 1000);
  timer.unref?.();
  try {
    return await work;
  } finally {
    clearTimeout(timer);
  }
}

/** Reads Ferry's config (`--config`, $FERRY_CONFIG, ./ferry.yaml). */
export function readConfig(configFlag: string | undefined, io: CliIo): Promise<FerryConfig> {
  return loadConfig(configPath(configFlag, io), io.env);
}

/** The S3 timeouts the environment asks for. */
function timeoutsOf(io: CliIo): { connectMs: number; idleMs: number } | undefined {
  const text = io.env.FERRY_S3_TIMEOUT;
  if (text === undefined || text === '') return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`FERRY_S3_TIMEOUT: expected a number of seconds, got "${text}"`);
  return { connectMs: Math.min(DEFAULT_S3_TIMEOUTS.connectMs, seconds * 1000), idleMs: seconds * 1000 };
}

/** Opens a storage location whose slow requests are announced on stderr. */
export function openLocation(config: FerryConfig, name: string | undefined, io: CliIo): OpenedLocation {
  const timeouts = timeoutsOf(io);
  const opened = openStore(config, name, timeouts ? { timeouts } : {});
  const place = bucketPlace(opened.location);
  return { ...opened, store: new AnnouncedStore(opened.store, io, place) };
}

/** Opens a cluster and waits for its discovery, saying where it connects when that takes more than a moment. */
export async function connectCluster(config: FerryConfig, name: string, io: CliIo): Promise<Cluster & { close(): void }> {
  const cluster = await openCluster(config, name);
  try {
    await waitingFor(io, `connecting to cluster ${name} at ${cluster.server ?? '(its API server)'}`, cluster.discover());
  } catch (err) {
    cluster.close();
    throw err;
  }
  return cluster;
}

/** An ObjectStore that prints "waiting for bucket ..." when one of its requests is slow (once per 10 s at most). */
class AnnouncedStore implements ObjectStore {
  private lastLine = -Infinity;

  constructor(private readonly inner: ObjectStore, private readonly io: CliIo, private readonly place: string) {}

  private slow<T>(what: string, work: Promise<T>): Promise<T> {
    const timer = setTimeout(() => {
      if (Date.now() - this.lastLine < 10_000) return;
      this.lastLine = Date.now();
      this.io.stderr(`waiting for ${this.place} (${what})\n`);
    }, this.io.slowAfterMs ?? 1000);
    timer.unref?.();
    return work.finally(() => clearTimeout(timer));
  }

  put(key: string, body: Uint8Array | string, options?: Parameters<ObjectStore['put']>[2]) { return this.slow(`writing ${key}`, this.inner.put(key, body, options)); }
  upload(key: string, body: Parameters<ObjectStore['upload']>[1], options?: Parameters<ObjectStore['upload']>[2]) { return this.inner.upload(key, body, options); }
  get(key: string) { return this.slow(`reading ${key}`, this.inner.get(key)); }
  getBytes(key: string) { return this.slow(`reading ${key}`, this.inner.getBytes(key)); }
  head(key: string) { return this.slow(`reading ${key}`, this.inner.head(key)); }
  delete(key: string) { return this.slow(`deleting ${key}`, this.inner.delete(key)); }

  abortUpload(upload: OpenUpload) { return this.slow(`aborting the upload of ${upload.key}`, this.inner.abortUpload(upload)); }

  async *listUploads(prefix: string): AsyncIterable<OpenUpload> {
    yield* this.announced(`listing uploads under ${prefix || '/'}`, this.inner.listUploads(prefix));
  }

  list(prefix: string): AsyncIterable<ObjectInfo> { return this.announced(`listing ${prefix || '/'}`, this.inner.list(prefix)); }

  private async *announced<T>(what: string, items: AsyncIterable<T>): AsyncIterable<T> {
    const iterator = items[Symbol.asyncIterator]();
    for (;;) {
      const next = await this.slow(what, iterator.next());
      if (next.done) return;
      yield next.value;
    }
  }
}
