/**
 * The `index` function: triggered by S3 ObjectCreated events under the backups prefix (S3's own notifications, or
 * EventBridge's, or either through SQS or SNS), it judges each backup an event names and writes its catalog entry.
 * Records are routed to the storage location whose bucket and prefix hold their key; records no location holds
 * are ignored with a log line.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IndexRunError } from '../lib/catalog/errors.js';
import { indexEvent, type IndexOutcome } from '../lib/catalog/index-backup.js';
import { unwrapS3Event } from '../lib/catalog/event-envelopes.js';
import type { S3EventLike, S3EventRecord } from '../lib/catalog/s3-event.js';
import { decodeEventKey } from '../lib/catalog/s3-event.js';
import type { Log, ValidationLimits } from '../lib/catalog/types.js';
import { isRecord } from '../lib/model/object.js';
import { BucketLayout } from '../lib/store/layout.js';
import type { ObjectStore } from '../lib/store/object-store.js';
import type { Runtime } from './compose.js';
import { indexMeasure } from './metrics.js';
import { ferryHandler } from './middleware/index.js';

/** A storage location the function may index: opened only when an event names it. */
export interface IndexLocation {
  name: string;
  bucket: string;
  layout: BucketLayout;
  open(): { store: ObjectStore };
}

/** What the core needs. */
export interface IndexHandlerDeps {
  locations: IndexLocation[];
  now: () => Date;
  log: Log;
  limits?: Partial<ValidationLimits>;
}

/** What the function answers: per backup, what was done. */
export interface IndexResponse {
  outcomes: (IndexOutcome & { location: string })[];
  ignored: number;
  /** For an SQS batch: the messages that failed, which SQS delivers again (ReportBatchItemFailures); the rest are done. */
  batchItemFailures?: { itemIdentifier: string }[];
}

/** A message of an SQS batch (the fields Ferry reads). */
interface SqsMessage {
  messageId: string;
  body: string;
  eventSource: 'aws:sqs';
}

/** A message that holds no S3 event Ferry can read (not JSON, of no known shape): it fails alone, so SQS can dead-letter it. */
export class MalformedMessageError extends Error {
  override name = 'MalformedMessageError';
}

/**
 * Accepts an S3 event notification (S3's test event included, which is then ignored), an S3 EventBridge event, or
 * SQS messages or SNS notifications holding either (see unwrapS3Event).
 */
export function parseIndexEvent(event: Record<string, unknown>): S3EventLike {
  const { recognized, skipped } = unwrapS3Event(event);
  if (!recognized) {
    throw new Error(`expected an S3 event notification with Records, an S3 EventBridge event, or SQS or SNS messages holding one (${skipped.join('; ')})`);
  }
  return event;
}

/**
 * The core. An SQS batch is indexed message by message, and the answer lists the messages that failed (a partial
 * batch response), so one bad message is redelivered alone; any other event is indexed whole.
 */
export async function indexHandlerCore(event: S3EventLike, deps: IndexHandlerDeps): Promise<IndexResponse> {
  return isSqsBatch(event) ? indexSqsBatch(event, deps) : indexRecords(event, deps);
}

function isSqsBatch(event: S3EventLike): event is { Records: SqsMessage[] } {
  const records = (event as { Records?: unknown }).Records;
  return Array.isArray(records) && records.length > 0
    && records.every((r) => isRecord(r) && r.eventSource === 'aws:sqs' && typeof r.messageId === 'string' && typeof r.body === 'string');
}

async function indexSqsBatch(event: { Records: SqsMessage[] }, deps: IndexHandlerDeps): Promise<IndexResponse> {
  const response: IndexResponse = { outcomes: [], ignored: 0 };
  const indexMessage = async (message: SqsMessage): Promise<void> => {
    try {
      const { malformed } = unwrapS3Event({ Records: [message] });
      if (malformed.length) throw new MalformedMessageError(`message ${message.messageId}: ${malformed.join('; ')}`);
      const done = await indexRecords({ Records: [message] }, deps);
      response.outcomes.push(...done.outcomes);
      response.ignored += done.ignored;
    } catch (err) {
      deps.log.warn(`index: message ${message.messageId} failed; SQS delivers it again`, { messageId: message.messageId, error: err });
      throw err;
    }
  };
  // One message after the other: messages of one backup would otherwise judge it at once, twice.
  const { batchItemFailures } = await processPartialResponse(event, indexMessage, new BatchProcessor(EventType.SQS),
    { processInParallel: false, throwOnFullBatchFailure: false });
  return { ...response, batchItemFailures };
}

/** Unwraps the event, routes its records to locations and indexes each location's backups. */
async function indexRecords(event: S3EventLike, deps: IndexHandlerDeps): Promise<IndexResponse> {
  const { event: { Records: records }, skipped } = unwrapS3Event(event);
  for (const reason of skipped) deps.log.info(`ignored ${reason}`);
  if (records.length === 0 && skipped.length === 0) deps.log.info('ignored an event without records');
  const routed = new Map<IndexLocation, S3EventRecord[]>();
  let ignored = 0;
  for (const record of records) {
    const location = locate(record, deps.locations);
    if (location) routed.set(location, [...(routed.get(location) ?? []), record]);
    else {
      ignored++;
      deps.log.info(`ignored ${String(record?.s3?.object?.key)}: no storage location holds it`, { bucket: record?.s3?.bucket?.name });
    }
  }
  const response: IndexResponse = { outcomes: [], ignored };
  const failures: IndexRunError['failures'] = [];
  for (const [location, locationRecords] of routed) {
    const { store } = location.open();
    try {
      const result = await indexEvent({ Records: locationRecords }, {
        store, layout: location.layout, bucket: location.bucket, now: deps.now, log: deps.log, limits: deps.limits,
      });
      response.outcomes.push(...result.outcomes.map((o) => ({ ...o, location: location.name })));
      response.ignored += result.ignored.length;
    } catch (err) {
      if (!(err instanceof IndexRunError)) throw err;
      failures.push(...err.failures.map((f) => ({ ...f, backup: `${location.name}/${f.backup}` })));
    }
  }
  if (failures.length) throw new IndexRunError(failures);
  return response;
}

/** The location whose bucket holds the record and whose backups prefix holds its key. */
function locate(record: S3EventRecord, locations: IndexLocation[]): IndexLocation | undefined {
  const key = typeof record?.s3?.object?.key === 'string' ? decodeEventKey(record.s3.object.key) : undefined;
  if (key === undefined) return undefined;
  const holders = locations.filter((l) => l.bucket === record.s3.bucket?.name && key.startsWith(l.layout.backupsPrefix()));
  // The longest prefix wins when locations nest (one at the bucket root, one under a prefix).
  return holders.sort((a, b) => b.layout.backupsPrefix().length - a.layout.backupsPrefix().length)[0];
}

/** The locations of a runtime's config. */
export function runtimeLocations(runtime: Runtime): IndexLocation[] {
  return Object.entries(runtime.config.storageLocations).map(([name, l]) => ({
    name, bucket: l.bucket, layout: new BucketLayout(l.prefix), open: () => ({ store: runtime.openStore(name).store }),
  }));
}

/** Builds the handler over a runtime (the process's by default). */
export function createIndexHandler(runtime?: Runtime) {
  return ferryHandler({ name: 'index', what: 'S3 event', parse: parseIndexEvent, measure: indexMeasure, ...(runtime ? { runtime } : {}) },
    (event, rt) => indexHandlerCore(event, { locations: runtimeLocations(rt), now: rt.clock, log: rt.log }));
}

/** The Lambda entry point. */
export const handler = createIndexHandler();
