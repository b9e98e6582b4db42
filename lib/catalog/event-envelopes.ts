/**
 * The ways S3's object-created events reach a function, unwrapped into one S3 event notification:
 *   - S3 event notifications themselves: `{ Records: [{ eventSource: "aws:s3", s3: {...} }] }`;
 *   - EventBridge events S3 sends when the bucket has EventBridge enabled: `{ "detail-type": "Object Created",
 *     source: "aws.s3", detail: { bucket: { name }, object: { key } } }`, whose keys are not URL-encoded;
 *   - SQS messages (`{ Records: [{ eventSource: "aws:sqs", body: "..." }] }`) and SNS notifications
 *     (`{ Records: [{ EventSource: "aws:sns", Sns: { Message: "..." } }] }`) whose text is any of these, SNS inside
 *     SQS included.
 * Whatever is not an object-created event of S3 (S3's test event, other EventBridge events, a message that is not
 * JSON) is listed with the reason, so that the function can log it and go on.
 *
 * NOTE: Powertools' Parser envelopes (SqsEnvelope, SnsEnvelope, SnsSqsEnvelope, EventBridgeEnvelope, with zod) were
 * weighed and not taken: each parses one fixed nesting, and fails the whole event on one record it cannot parse,
 * where the index takes any of these nestings in any record, skips S3's test event and other EventBridge events
 * with a reason, and fails one SQS message alone (a partial batch response). What would remain of this module is
 * the choice of envelope per record and the reasons; the zod schemas would replace about thirty lines of field
 * checks, for a new dependency loaded at every cold start.
 */
import { isRecord } from '../model/object.js';
import { encodeEventKey, type S3Event, type S3EventRecord } from './s3-event.js';

/** What an envelope held: the S3 records, and what was left out, with why. */
export interface UnwrappedEvent {
  event: S3Event;
  skipped: string[];
  /** The part of `skipped` that is malformed rather than merely not ours (not JSON, of no known shape, nested too deep). */
  malformed: string[];
  /** False when the event had no shape this module knows: not an S3, EventBridge, SQS or SNS event at all. */
  recognized: boolean;
}

/** How deep envelopes may nest (SNS in SQS is two); a message holding itself is not followed further. */
const MAX_DEPTH = 3;

/** Unwraps an event as a function receives it. */
export function unwrapS3Event(event: unknown): UnwrappedEvent {
  const out: UnwrappedEvent = { event: { Records: [] }, skipped: [], malformed: [], recognized: true };
  out.recognized = collect(event, out, 0, 'the event');
  return out;
}

/** Adds the S3 records `value` holds to `out`; false when `value` is of no known shape. */
function collect(value: unknown, out: UnwrappedEvent, depth: number, where: string): boolean {
  if (!isRecord(value)) {
    malformed(out, `${where} is not a JSON object`);
    return false;
  }
  if (typeof value.Event === 'string') {
    out.skipped.push(`${where} is S3's ${value.Event}`);
    return true;
  }
  if (typeof value['detail-type'] === 'string' && typeof value.source === 'string') return collectEventBridge(value, out, where);
  // An SNS notification as SQS delivers it (raw message delivery off): the envelope is the message's body.
  if (value.Type === 'Notification' && typeof value.Message === 'string') {
    collectText(value.Message, out, depth, where);
    return true;
  }
  if (!Array.isArray(value.Records)) {
    malformed(out, `${where} has no Records and is not an EventBridge event`);
    return false;
  }
  value.Records.forEach((record: unknown, i) => {
    const at = `record ${i} of ${where}`;
    const text = messageText(record);
    if (text === undefined) {
      out.event.Records.push(record as S3EventRecord);
      return;
    }
    collectText(text, out, depth, at);
  });
  return true;
}

/** Adds the S3 records of a message's text, a JSON event of any shape this module knows. */
function collectText(text: string, out: UnwrappedEvent, depth: number, where: string): void {
  if (depth >= MAX_DEPTH) {
    malformed(out, `${where}: messages nested more than ${MAX_DEPTH} deep`);
    return;
  }
  let inner: unknown;
  try {
    inner = JSON.parse(text);
  } catch {
    malformed(out, `${where}: its message is not JSON`);
    return;
  }
  collect(inner, out, depth + 1, `the message of ${where}`);
}

function malformed(out: UnwrappedEvent, reason: string): void {
  out.skipped.push(reason);
  out.malformed.push(reason);
}

/** The text an SQS or SNS record carries, or undefined for a record that is neither (an S3 record). */
function messageText(record: unknown): string | undefined {
  if (!isRecord(record)) return undefined;
  if (record.eventSource === 'aws:sqs' && typeof record.body === 'string') return record.body;
  if (record.EventSource === 'aws:sns' && isRecord(record.Sns) && typeof record.Sns.Message === 'string') return record.Sns.Message;
  return undefined;
}

/**
 * An S3 "Object Created" EventBridge event as the one S3 record it stands for; false for an event S3 did not send
 * (a schedule's, say), which is no event of this module's.
 */
function collectEventBridge(event: Record<string, unknown>, out: UnwrappedEvent, where: string): boolean {
  const detail = isRecord(event.detail) ? event.detail : undefined;
  const bucket = isRecord(detail?.bucket) && typeof detail.bucket.name === 'string' ? detail.bucket.name : undefined;
  const object = isRecord(detail?.object) ? detail.object : undefined;
  const key = typeof object?.key === 'string' ? object.key : undefined;
  if (event.source !== 'aws.s3' || event['detail-type'] !== 'Object Created') {
    out.skipped.push(`${where} is a ${String(event['detail-type'])} event from ${String(event.source)}, not S3's Object Created`);
    return event.source === 'aws.s3';
  }
  if (bucket === undefined || key === undefined) {
    malformed(out, `${where} names no detail.bucket.name and detail.object.key`);
    return true;
  }
  out.event.Records.push({
    eventSource: 'aws:s3',
    eventName: `ObjectCreated:${typeof detail?.reason === 'string' ? detail.reason : 'Put'}`,
    ...(typeof event.time === 'string' ? { eventTime: event.time } : {}),
    ...(typeof event.region === 'string' ? { awsRegion: event.region } : {}),
    s3: {
      bucket: { name: bucket },
      // The records' keys are URL-encoded, as S3's own notifications have them; EventBridge's are not.
      object: {
        key: encodeEventKey(key),
        ...(typeof object?.size === 'number' ? { size: object.size } : {}),
        ...(typeof object?.etag === 'string' ? { eTag: object.etag } : {}),
        ...(typeof object?.sequencer === 'string' ? { sequencer: object.sequencer } : {}),
      },
    },
  });
  return true;
}
