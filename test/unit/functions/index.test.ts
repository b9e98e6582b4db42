import { describe, expect, it } from 'vitest';
import { indexHandlerCore, parseIndexEvent, type IndexLocation } from '../../../functions/index.js';
import { readCatalogEntry } from '../../../lib/catalog/catalog-entry.js';
import { IndexRunError } from '../../../lib/catalog/errors.js';
import type { Log } from '../../../lib/catalog/types.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { StoreError } from '../../../lib/store/errors.js';
import { buildBackup, putBackup } from '../../support/backup-fixture.js';
import { loadEvent, retargetS3Event, SAMPLE } from '../../support/events.js';
import { MemoryStore } from '../../support/memory-store.js';

const now = () => new Date('2026-01-10T08:05:00Z');

/** A log that records its lines and the errors given with them. */
function recordingLog(): Log & { lines: string[]; errors: Error[] } {
  const lines: string[] = [];
  const errors: Error[] = [];
  const record = (m: string, f?: Record<string, unknown>) => {
    lines.push(m);
    if (f?.error instanceof Error) errors.push(f.error);
  };
  return { lines, errors, info: record, warn: record };
}

/** An SQS message as Lambda delivers it. */
interface SqsRecord { messageId: string; body: string; eventSource: string }

function location(name: string, bucket: string, prefix: string, store: MemoryStore): IndexLocation & { opened: number } {
  const l = { name, bucket, layout: new BucketLayout(prefix), opened: 0, open: () => { l.opened++; return { store }; } };
  return l;
}

describe('parseIndexEvent', () => {
  it.each(['s3-backup-committed', 's3-test-event', 'eventbridge-backup-committed', 'sqs-backup-committed'])('accepts %s as it is', (name) => {
    expect(parseIndexEvent(loadEvent(name))).toEqual(loadEvent(name));
  });

  it('refuses anything else', () => {
    expect(() => parseIndexEvent(loadEvent('expire-schedule'))).toThrow('expected an S3 event notification with Records');
  });
});

describe('indexHandlerCore', () => {
  it('routes each record to the location whose bucket and prefix hold it, opening only those locations', async () => {
    const vault = new MemoryStore();
    const other = new MemoryStore();
    const layout = new BucketLayout(SAMPLE.prefix);
    await putBackup(vault, layout, SAMPLE.backup, await buildBackup(SAMPLE.backup));
    const locations = [location('vault', SAMPLE.bucket, SAMPLE.prefix, vault), location('other', 'another-bucket', '', other),
      location('root', SAMPLE.bucket, '', other)];
    const response = await indexHandlerCore(loadEvent('s3-backup-committed'), { locations, now, log: recordingLog() });
    expect(response).toEqual({ outcomes: [{ location: 'vault', backup: SAMPLE.backup, action: 'written', phase: 'Completed', problems: [] }], ignored: 0 });
    expect(locations.map((l) => l.opened)).toEqual([1, 0, 0]);
    expect((await readCatalogEntry(vault, layout, SAMPLE.backup)).entry?.phase).toBe('Completed');
  });

  it('ignores records no location holds, with a log line each', async () => {
    const log = recordingLog();
    const store = new MemoryStore();
    const response = await indexHandlerCore(retargetS3Event(loadEvent('s3-backup-committed'), { bucket: 'elsewhere' }),
      { locations: [location('vault', SAMPLE.bucket, SAMPLE.prefix, store)], now, log });
    expect(response).toEqual({ outcomes: [], ignored: 3 });
    expect(log.lines.filter((l) => l.endsWith('no storage location holds it'))).toHaveLength(3);
  });

  it('answers S3\'s test event without touching any location', async () => {
    const l = location('vault', SAMPLE.bucket, SAMPLE.prefix, new MemoryStore());
    expect(await indexHandlerCore(loadEvent('s3-test-event'), { locations: [l], now, log: recordingLog() })).toEqual({ outcomes: [], ignored: 0 });
    expect(l.opened).toBe(0);
  });

  it('indexes the backup that an EventBridge event names, once', async () => {
    const store = new MemoryStore();
    const layout = new BucketLayout(SAMPLE.prefix);
    await putBackup(store, layout, SAMPLE.backup, await buildBackup(SAMPLE.backup));
    const response = await indexHandlerCore(loadEvent('eventbridge-backup-committed'), { locations: [location('vault', SAMPLE.bucket, SAMPLE.prefix, store)], now, log: recordingLog() });
    expect(response).toEqual({ outcomes: [{ location: 'vault', backup: SAMPLE.backup, action: 'written', phase: 'Completed', problems: [] }], ignored: 0 });
  });

  it('indexes an SQS batch message by message: the backup is judged once, the others find it unchanged, and no message failed', async () => {
    const store = new MemoryStore();
    const layout = new BucketLayout(SAMPLE.prefix);
    await putBackup(store, layout, SAMPLE.backup, await buildBackup(SAMPLE.backup));
    const log = recordingLog();
    const response = await indexHandlerCore(loadEvent('sqs-backup-committed'), { locations: [location('vault', SAMPLE.bucket, SAMPLE.prefix, store)], now, log });
    expect(response.outcomes.map((o) => o.action)).toEqual(['written', 'unchanged', 'unchanged']);
    expect(response.batchItemFailures).toEqual([]);
    expect(log.lines.filter((l) => l.includes('TestEvent'))).toHaveLength(1);
  });

  it.each([
    ['a message that is not JSON', (m: SqsRecord) => ({ ...m, body: 'hello' }), /message .*: record 0 of the event: its message is not JSON/],
    ['a message whose backup cannot be indexed', (m: SqsRecord) => ({ ...m, body: m.body.split(SAMPLE.backup).join('broken-1') }), /indexing failed for vault\/broken-1/],
  ])('reports only %s as failed in an SQS batch, and indexes the others', async (_case, spoil, logged) => {
    const store = new MemoryStore();
    const layout = new BucketLayout(SAMPLE.prefix);
    await putBackup(store, layout, SAMPLE.backup, await buildBackup(SAMPLE.backup));
    await putBackup(store, layout, 'broken-1', await buildBackup('broken-1'));
    const list = store.list.bind(store);
    store.list = (prefix: string) => (prefix.includes('/broken-1/') ? (async function* () { throw new StoreError('list', prefix, { cause: new Error('503 Slow Down') }); })() : list(prefix));
    const event = loadEvent<{ Records: SqsRecord[] }>('sqs-backup-committed');
    const bad = { ...spoil(event.Records[1]!), messageId: 'the-bad-one' };
    const log = recordingLog();
    const response = await indexHandlerCore({ Records: [bad, event.Records[1]!] }, { locations: [location('vault', SAMPLE.bucket, SAMPLE.prefix, store)], now, log });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'the-bad-one' }]);
    expect(response.outcomes).toEqual([{ location: 'vault', backup: SAMPLE.backup, action: 'written', phase: 'Completed', problems: [] }]);
    expect(log.lines.some((l) => l.includes('message the-bad-one failed'))).toBe(true);
    expect(log.errors.map((e) => e.message).join('\n')).toMatch(logged);
  });

  it('throws an IndexRunError naming location and backup when a backup cannot be indexed, so that the event is retried', async () => {
    const store = new MemoryStore();
    store.list = async function* (prefix: string) { throw new StoreError('list', prefix, { cause: new Error('503 Slow Down') }); };
    const err = await indexHandlerCore(loadEvent('s3-backup-committed'), { locations: [location('vault', SAMPLE.bucket, SAMPLE.prefix, store)], now, log: recordingLog() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndexRunError);
    expect((err as IndexRunError).failures.map((f) => f.backup)).toEqual([`vault/${SAMPLE.backup}`]);
  });
});
