// Loads the sample events in events/ (real-shaped), and points S3 ones at a test's bucket, prefix and backup.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeEventKey, encodeEventKey } from '../../lib/catalog/s3-event.js';

/** The sample prefix and backup that the S3 event fixtures name. */
export const SAMPLE = { bucket: 'ferry-local', prefix: 'ferry backups', backup: 'nightly-20260110080000' };

/** A fresh copy of events/<name>.json. */
export function loadEvent<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(resolve(import.meta.dirname, '../../events', `${name}.json`), 'utf8')) as T;
}

interface RecordLike { s3: { bucket: { name: string; arn?: string }; object: { key: string } } }

/** Rewrites an S3 event's bucket, and in each key the sample prefix and backup name, re-encoding keys as S3 does. */
export function retargetS3Event<T>(event: T, to: { bucket?: string; prefix?: string; backup?: string }): T {
  const copy = structuredClone(event) as T & { Records?: RecordLike[] };
  for (const r of copy.Records ?? []) {
    let key = decodeEventKey(r.s3.object.key) ?? r.s3.object.key;
    if (to.prefix !== undefined && key.startsWith(`${SAMPLE.prefix}/`)) key = (to.prefix ? `${to.prefix}/` : '') + key.slice(SAMPLE.prefix.length + 1);
    if (to.backup) key = key.split(SAMPLE.backup).join(to.backup);
    r.s3.object.key = encodeEventKey(key);
    if (to.bucket) r.s3.bucket = { ...r.s3.bucket, name: to.bucket, arn: `arn:aws:s3:::${to.bucket}` };
  }
  return copy;
}
