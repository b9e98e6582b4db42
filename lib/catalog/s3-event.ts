/**
 * S3 event notifications, as AWS delivers them to a Lambda function: `{ Records: [...] }`, each record naming a
 * bucket and a URL-encoded key (form encoding: `+` is a space). Also the conversion of versitygw's webhook body,
 * which carries raw keys and `s3:`-prefixed event names, into that shape.
 */
import { isRecord } from '../model/object.js';
import type { BucketLayout } from '../store/layout.js';

/** One record of an S3 event notification (the fields Ferry reads). */
export interface S3EventRecord {
  eventName: string;
  eventSource?: string;
  eventTime?: string;
  awsRegion?: string;
  s3: { bucket: { name: string; arn?: string }; object: { key: string; size?: number; eTag?: string; sequencer?: string; versionId?: string | null } };
}

/** An S3 event notification. */
export interface S3Event {
  Records: S3EventRecord[];
}

/** Anything a handler may receive; only `Records` of ObjectCreated events are read. */
export type S3EventLike = S3Event | Record<string, unknown>;

/** Decodes a key as S3 encodes it in events; undefined when it is not valid form encoding. */
export function decodeEventKey(key: string): string | undefined {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** Encodes a key as S3 does in events (form encoding, `/` kept). */
export function encodeEventKey(key: string): string {
  return key.split('/').map((s) => encodeURIComponent(s).replace(/%20/g, '+')).join('/');
}

/** A key named by an event, with the backup it belongs to. */
export interface BackupKey {
  bucket: string;
  key: string;
  backup: string;
}

/**
 * The keys of ObjectCreated records that belong to a backup; every other record is listed in `ignored` with the
 * reason (another event type, another bucket, a malformed key, an object outside any backup).
 */
export function readBackupKeys(event: S3EventLike, layout: BucketLayout, bucket?: string): { keys: BackupKey[]; ignored: { key: string; reason: string }[] } {
  const keys: BackupKey[] = [];
  const ignored: { key: string; reason: string }[] = [];
  const records = isRecord(event) && Array.isArray(event.Records) ? event.Records : undefined;
  if (!records) {
    const what = isRecord(event) && typeof event.Event === 'string' ? `a ${event.Event} event` : 'an event without Records';
    return { keys, ignored: [{ key: '', reason: `${what}: not an S3 event notification` }] };
  }
  for (const r of records as unknown[]) {
    const raw = isRecord(r) && isRecord(r.s3) && isRecord(r.s3.object) && typeof r.s3.object.key === 'string' ? r.s3.object.key : undefined;
    const recordBucket = isRecord(r) && isRecord(r.s3) && isRecord(r.s3.bucket) && typeof r.s3.bucket.name === 'string' ? r.s3.bucket.name : undefined;
    const eventName = isRecord(r) && typeof r.eventName === 'string' ? r.eventName.replace(/^s3:/, '') : '';
    if (raw === undefined) {
      ignored.push({ key: '', reason: 'a record without s3.object.key' });
      continue;
    }
    if (!eventName.startsWith('ObjectCreated:')) {
      ignored.push({ key: raw, reason: `a ${eventName || 'nameless'} event, not ObjectCreated` });
      continue;
    }
    if (bucket !== undefined && recordBucket !== bucket) {
      ignored.push({ key: raw, reason: `in bucket ${recordBucket ?? '(none)'}, not ${bucket}` });
      continue;
    }
    const key = decodeEventKey(raw);
    if (key === undefined) {
      ignored.push({ key: raw, reason: 'the key is not valid URL encoding' });
      continue;
    }
    const backup = layout.backupOfKey(key);
    if (!backup) {
      ignored.push({ key, reason: `not part of a backup (outside ${layout.backupsPrefix()}<name>/)` });
      continue;
    }
    keys.push({ bucket: recordBucket ?? '', key, backup });
  }
  return { keys, ignored };
}

/**
 * Converts the body versitygw posts to its event webhook into the event AWS would deliver: event names without
 * the `s3:` prefix and keys URL-encoded. Bodies without Records (its startup test event) are returned as they are.
 */
export function normalizeWebhookEvent(body: unknown): S3EventLike {
  if (!isRecord(body) || !Array.isArray(body.Records)) return isRecord(body) ? body : {};
  return {
    ...body,
    Records: (body.Records as unknown[]).map((r) => {
      if (!isRecord(r) || !isRecord(r.s3) || !isRecord(r.s3.object) || typeof r.s3.object.key !== 'string') return r;
      return {
        ...r,
        eventName: typeof r.eventName === 'string' ? r.eventName.replace(/^s3:/, '') : r.eventName,
        s3: { ...r.s3, object: { ...r.s3.object, key: encodeEventKey(r.s3.object.key) } },
      };
    }),
  };
}
