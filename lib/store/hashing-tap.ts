import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** A pass-through stream that hashes (sha256) and counts the bytes going through it. */
export interface HashingTap {
  tap: Transform;
  /** Bytes that went through so far. */
  bytes(): number;
  /** The sha256, in hex, of what went through; call once, after the end. */
  digest(): string;
}

/** Makes a HashingTap: the archive's readers check what they read against the manifest with it. */
export function hashingTap(): HashingTap {
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  return { tap, bytes: () => bytes, digest: () => hash.digest('hex') };
}
