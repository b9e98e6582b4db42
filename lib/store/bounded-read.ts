/**
 * Reads of untrusted bucket data with bounds: a size cap checked before and while the bytes arrive, gunzip with
 * maxOutputLength, and JSON that fails with the key named. Every failure is a BucketDataError (lib/store/errors.ts);
 * a missing object stays a NotFoundError.
 */
import { gunzipSync } from 'node:zlib';
import { BucketDataError } from './errors.js';
import type { ObjectStore } from './object-store.js';

/** Bounds of one read: stored bytes, and for gzip files the bytes after decompression. */
export interface ReadBounds {
  maxBytes: number;
  /** Set for gzip files: the body is gunzipped with this maxOutputLength. */
  maxGunzippedBytes?: number;
}

/** Reads an object whole, refusing it once it is larger than `maxBytes` (its stated length first, then as it streams). */
export async function readCapped(store: ObjectStore, key: string, maxBytes: number): Promise<{ bytes: Buffer; etag: string }> {
  const { body, etag, size } = await store.get(key);
  const tooLarge = (n: number) => new BucketDataError(key, `is ${n} bytes or more, over the limit of ${maxBytes}`);
  if (size > maxBytes) {
    body.destroy();
    throw tooLarge(size);
  }
  const chunks: Buffer[] = [];
  let read = 0;
  for await (const chunk of body) {
    read += (chunk as Buffer).length;
    if (read > maxBytes) {
      body.destroy();
      throw tooLarge(read);
    }
    chunks.push(chunk as Buffer);
  }
  return { bytes: Buffer.concat(chunks), etag };
}

/** Reads a JSON document (gunzipped first when `bounds.maxGunzippedBytes` is set) within bounds. */
export async function readJsonObject(store: ObjectStore, key: string, bounds: ReadBounds): Promise<{ value: unknown; etag: string }> {
  const { bytes, etag } = await readCapped(store, key, bounds.maxBytes);
  return { value: parseJsonBytes(key, bytes, bounds), etag };
}

/** Parses bytes read from `key` as JSON (gunzipped first when bounded so), naming the key on failure. */
export function parseJsonBytes(key: string, bytes: Uint8Array, bounds: Pick<ReadBounds, 'maxGunzippedBytes'> = {}): unknown {
  let text: string;
  if (bounds.maxGunzippedBytes !== undefined) {
    try {
      text = gunzipSync(bytes, { maxOutputLength: bounds.maxGunzippedBytes }).toString('utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const problem = code === 'ERR_BUFFER_TOO_LARGE'
        ? `decompresses to more than the limit of ${bounds.maxGunzippedBytes} bytes`
        : `is not valid gzip: ${(err as Error).message}`;
      throw new BucketDataError(key, problem, { cause: err });
    }
  } else {
    text = Buffer.from(bytes).toString('utf8');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BucketDataError(key, `is not JSON: ${(err as Error).message}`, { cause: err });
  }
}
