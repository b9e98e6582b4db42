// The index function on the real stack: S3-shaped events (the events/ fixtures, S3's own, EventBridge's and SQS's)
// through the deployed handler (middy, runtime, S3 adapter) against versitygw, and events produced by versitygw's
// own webhook.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIndexHandler, indexHandlerCore } from '../../functions/index.js';
import { readCatalogEntry } from '../../lib/catalog/catalog-entry.js';
import { normalizeWebhookEvent } from '../../lib/catalog/s3-event.js';
import { silentLog } from '../../lib/catalog/types.js';
import { BucketLayout } from '../../lib/store/layout.js';
import {
  archiveEntries, buildBackup, flipByte, putBackup, replaceFile, type BackupFiles, type FixtureEntry,
} from '../support/backup-fixture.js';
import { startPrivateVersity, stackRuntime, type PrivateVersity } from '../support/catalog-stack.js';
import { loadEvent, retargetS3Event } from '../support/events.js';
import { freshName, stackS3Location, stackStore } from '../support/stack.js';

// A prefix with a space, so that keys travel URL-encoded with `+` as S3 sends them.
const prefix = `${freshName('index')} run`;
const layout = new BucketLayout(prefix);
const store = stackStore();
const bucket = stackS3Location().bucket;
const runtime = stackRuntime(prefix);
const handler = createIndexHandler(runtime);
const context = { awsRequestId: 'test-request', functionName: 'ferry-index' };

/** The committed-backup event, pointed at one backup of this test's prefix. */
function committedEvent(backup: string): Record<string, unknown> {
  return retargetS3Event(loadEvent('s3-backup-committed'), { bucket, prefix, backup });
}

async function indexed(backup: string) {
  return (await readCatalogEntry(store, layout, backup)).entry;
}

const fileOf = (files: BackupFiles, name: string) => files.find(([f]) => f === name)![1];

describe('the index function on the stack', () => {
  it('catalogs a good backup as Completed and verified, with its counts', async () => {
    const name = freshName('good');
    await putBackup(store, layout, name, await buildBackup(name, { sourceCluster: 'idc' }));
    const response = await handler(committedEvent(name), context);
    expect(response).toEqual({ outcomes: [{ location: 'default', backup: name, action: 'written', phase: 'Completed', problems: [] }], ignored: 0 });
    expect(await indexed(name)).toMatchObject({
      name, phase: 'Completed', verified: true, sourceCluster: 'idc', format: 'ferry',
      counts: { items: 4, cluster: 1, byNamespace: { default: 3 } }, expires: '2026-02-09T08:00:00.000Z',
    });
  });

  it.each<[string, (name: string) => Record<string, unknown>]>([
    ['an EventBridge event (its key not URL-encoded)', (name) => {
      const event = loadEvent('eventbridge-backup-committed');
      const detail = event.detail as { bucket: { name: string }; object: { key: string } };
      detail.bucket.name = bucket;
      detail.object.key = `${layout.backupPrefix(name)}ferry-manifest.json`;
      return event;
    }],
    ['SQS messages holding the S3 notification and S3\'s test event', (name) => ({
      Records: [loadEvent('s3-test-event'), committedEvent(name)].map((body, i) => ({ messageId: `m${i}`, eventSource: 'aws:sqs', body: JSON.stringify(body) })),
    })],
  ])('catalogs a backup named by %s', async (_case, eventFor) => {
    const name = freshName('wrapped');
    await putBackup(store, layout, name, await buildBackup(name));
    const response = await handler(eventFor(name), context);
    // From SQS, the answer also lists the messages that failed (none).
    const fromSqs = _case.startsWith('SQS') ? { batchItemFailures: [] } : {};
    expect(response).toEqual({ outcomes: [{ location: 'default', backup: name, action: 'written', phase: 'Completed', problems: [] }], ignored: 0, ...fromSqs });
    expect(await indexed(name)).toMatchObject({ name, phase: 'Completed', verified: true });
  });

  it.each<[string, string, RegExp, (name: string) => Promise<BackupFiles>]>([
    ['a flipped byte in the tarball', 'Corrupt', /\.tar\.gz: sha256 [0-9a-f]{64} does not match ferry-manifest\.json/,
      async (n) => { const f = await buildBackup(n); return replaceFile(f, `${n}.tar.gz`, flipByte(fileOf(f, `${n}.tar.gz`))); }],
    ['a truncated tarball', 'Corrupt', /\.tar\.gz is \d+ bytes; ferry-manifest\.json says \d+$/,
      async (n) => { const f = await buildBackup(n); const t = fileOf(f, `${n}.tar.gz`); return replaceFile(f, `${n}.tar.gz`, t.subarray(0, t.length - 64)); }],
    ['a missing manifest', 'Incomplete', /^ferry-manifest\.json has not been written yet/,
      async (n) => (await buildBackup(n)).filter(([f]) => f !== 'ferry-manifest.json')],
  ])('catalogs a backup with %s as %s, with the first mismatch', async (_case, phase, problem, build) => {
    const name = freshName('bad');
    await putBackup(store, layout, name, await build(name));
    await handler(committedEvent(name), context);
    const entry = await indexed(name);
    expect(entry?.phase).toBe(phase);
    expect(entry?.verified).toBe(false);
    expect(entry?.problems[0]).toMatch(problem);
  });

  it('catalogs tarballs with ../ paths, a symlink and an oversized entry as Corrupt, from one event naming all three', async () => {
    const hostile: [string, FixtureEntry, RegExp][] = [
      ['dotdot', { path: 'resources/../../../../tmp/ferry-escape.json', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } }, /unsafe entry path/],
      ['symlink', { path: 'resources/secrets/namespaces/default/token.json', type: 'symlink', linkname: '/var/run/secrets/kubernetes.io/token' }, /is a symlink -> /],
      ['oversized', { path: 'resources/configmaps/namespaces/default/huge.json', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'huge', namespace: 'default' }, data: { x: 'A'.repeat(9 * 1024 * 1024) } } }, /over the limit of 8388608/],
    ];
    const names = hostile.map(([n]) => freshName(n));
    const records: unknown[] = [];
    for (const [i, [, entry]] of hostile.entries()) {
      await putBackup(store, layout, names[i]!, await buildBackup(names[i]!, { entries: [...archiveEntries(), entry] }));
      records.push(...(committedEvent(names[i]!).Records as unknown[]));
    }
    const response = await handler({ Records: records }, context) as { outcomes: { backup: string; phase: string }[] };
    expect(response.outcomes.map((o) => o.phase)).toEqual(['Corrupt', 'Corrupt', 'Corrupt']);
    for (const [i, [, , problem]] of hostile.entries()) expect((await indexed(names[i]!))?.problems[0]).toMatch(problem);
  });

  it('catalogs a tarball that holds one item path twice as Corrupt, naming the path (issue 19)', async () => {
    const name = freshName('dup');
    const twice: FixtureEntry = { path: 'resources/services/namespaces/default/nginx.json',
      body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx', namespace: 'default' }, spec: { type: 'NodePort' } } };
    await putBackup(store, layout, name, await buildBackup(name, { entries: [...archiveEntries(), twice] }));
    await handler(committedEvent(name), context);
    expect(await indexed(name)).toMatchObject({
      phase: 'Corrupt', problems: ['entry "resources/services/namespaces/default/nginx.json" appears more than once in the tarball'],
    });
  });

  it('treats the same event delivered twice as harmless: the entry is not rewritten', async () => {
    const name = freshName('twice');
    await putBackup(store, layout, name, await buildBackup(name));
    await handler(committedEvent(name), context);
    const first = await store.head(layout.catalogKey(name));
    const again = await handler(committedEvent(name), context) as { outcomes: { action: string }[] };
    expect(again.outcomes.map((o) => o.action)).toEqual(['unchanged']);
    expect((await store.head(layout.catalogKey(name)))?.etag).toBe(first?.etag);
  });

  it('lets two index runs at once on one backup both succeed, leaving one Completed entry', async () => {
    const name = freshName('race');
    await putBackup(store, layout, name, await buildBackup(name));
    const runs = await Promise.all([handler(committedEvent(name), context), handler(committedEvent(name), { ...context, awsRequestId: 'other' })]) as { outcomes: { action: string; phase: string }[] }[];
    expect(runs.flatMap((r) => r.outcomes.map((o) => o.phase))).toEqual(['Completed', 'Completed']);
    expect(runs.flatMap((r) => r.outcomes.map((o) => o.action)).sort()).toContain('written');
    expect((await indexed(name))?.phase).toBe('Completed');
  });

  it('catalogs a Velero-layout backup written without a manifest, unverified', async () => {
    const name = freshName('velero');
    await putBackup(store, layout, name, await buildBackup(name, { ferry: false }));
    await handler(committedEvent(name), context);
    expect(await indexed(name)).toMatchObject({ phase: 'Completed', verified: false, format: 'velero', counts: { items: 4 } });
  });

  it('ignores records outside any backup with a log line, and answers a malformed event with a validation error', async () => {
    const event = retargetS3Event(loadEvent('s3-objects-not-in-a-backup'), { bucket, prefix });
    expect(await handler(event, context)).toEqual({ outcomes: [], ignored: 4 });
    const ignoredLines = runtime.lines.map((l) => JSON.parse(l).msg as string).filter((m) => m.startsWith('ignored '));
    expect(ignoredLines).toContain(`ignored ${encodeURIComponent(prefix).replace(/%20/g, '+')}/catalog/backups/nightly-20260110080000.json: no storage location holds it`);
    expect(ignoredLines.some((m) => m.endsWith('a ObjectRemoved:Delete event, not ObjectCreated'))).toBe(true);
    await expect(handler({ hello: 'world' }, context)).rejects.toThrow(/^invalid S3 event: [\s\S]*expected an S3 event notification with Records/);
  });
});

describe('the index function fed by versitygw\'s event webhook', () => {
  let vgw: PrivateVersity;
  beforeAll(async () => { vgw = await startPrivateVersity('ferry-events'); }, 60_000);
  afterAll(async () => { await vgw?.stop(); });

  it('judges each backup once all its files are there, whatever the order the events come in', async () => {
    const vLayout = new BucketLayout('team backups');
    const name = 'nightly-20260110080000';
    const files = await buildBackup(name);
    const deps = {
      locations: [{ name: 'private', bucket: 'ferry-events', layout: vLayout, open: () => ({ store: vgw.store }) }],
      now: () => new Date(), log: silentLog,
    };
    await vgw.waitForEvents(1); // the startup test event
    const before = vgw.events.length;
    await putBackup(vgw.store, vLayout, name, files);
    const events = (await vgw.waitForEvents(before + files.length)).slice(before).map(normalizeWebhookEvent);
    expect(events.map((e) => (e as { Records: { eventName: string }[] }).Records[0]!.eventName)).toEqual(Array(files.length).fill('ObjectCreated:Put'));
    // The manifest's event first, then all the others, late and in reverse: the judgement never changes.
    const order = [events.length - 1, ...events.keys()].reverse();
    const phases: string[] = [];
    for (const i of order) {
      const out = await indexHandlerCore(events[i]!, deps);
      phases.push(...out.outcomes.map((o) => `${o.action} ${o.phase}`));
    }
    expect(phases[0]).toBe('written Completed');
    expect(new Set(phases.slice(1))).toEqual(new Set(['unchanged Completed']));
    expect((await readCatalogEntry(vgw.store, vLayout, name)).entry).toMatchObject({ phase: 'Completed', verified: true });
  });

  it('catalogs a backup whose tarball was damaged after it was committed as Corrupt when the damaged file\'s event arrives', async () => {
    const vLayout = new BucketLayout('');
    const name = 'weekly-20260111000000';
    const files = await buildBackup(name);
    const deps = { locations: [{ name: 'private', bucket: 'ferry-events', layout: vLayout, open: () => ({ store: vgw.store }) }], now: () => new Date(), log: silentLog };
    await putBackup(vgw.store, vLayout, name, files);
    const before = vgw.events.length;
    await vgw.store.put(`${vLayout.backupPrefix(name)}${name}.tar.gz`, flipByte(fileOf(files, `${name}.tar.gz`)));
    const [event] = (await vgw.waitForEvents(before + 1)).slice(before).map(normalizeWebhookEvent);
    const out = await indexHandlerCore(event!, deps);
    expect(out.outcomes).toEqual([expect.objectContaining({ backup: name, action: 'written', phase: 'Corrupt' })]);
  });
});
