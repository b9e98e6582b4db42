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

function recordingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => { lines.push(m); }, warn: (m) => { lines.push(m); } };
}

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

  it.each(['eventbridge-backup-committed', 'sqs-backup-committed'])('indexes the backup that %s names, once, and logs what it left out', async (name) => {
    const store = new MemoryStore();
    const layout = new BucketLayout(SAMPLE.prefix);
    await putBackup(store, layout, SAMPLE.backup, await buildBackup(SAMPLE.backup));
    const log = recordingLog();
    const response = await indexHandlerCore(loadEvent(name), { locations: [location('vault', SAMPLE.bucket, SAMPLE.prefix, store)], now, log });
    expect(response).toEqual({ outcomes: [{ location: 'vault', backup: SAMPLE.backup, action: 'written', phase: 'Completed', problems: [] }], ignored: 0 });
    expect(log.lines.filter((l) => l.includes('TestEvent'))).toHaveLength(name.startsWith('sqs') ? 1 : 0);
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
