// Nothing left behind by a backup that did not finish, on the real stack: a run given too little time, a writer
// killed with SIGKILL mid-upload, and multipart uploads nobody finished. The clock is injected: no test waits for
// time to pass.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../lib/backup/run-backup.js';
import { ABANDON_GRACE_MS } from '../../lib/catalog/abandoned.js';
import { readCatalogEntry } from '../../lib/catalog/catalog-entry.js';
import { expireBackups } from '../../lib/catalog/expire.js';
import { indexBackup } from '../../lib/catalog/index-backup.js';
import { BACKUP_LEASE_MS } from '../../lib/backup/backup-claim.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import { BucketLayout } from '../../lib/store/layout.js';
import type { ObjectStore } from '../../lib/store/object-store.js';
import { createS3Client } from '../../lib/store/s3-store.js';
import { createAll } from '../support/seed.js';
import { freshName, stackCluster, stackDir, stackEnv, stackS3Location, stackStore } from '../support/stack.js';

const store = stackStore();
const quietLog = { info: () => undefined, warn: () => undefined };
const MiB = 1024 * 1024;
const big = freshName('leftovers');

/** Waits for a condition the test itself brings about, asking at most `tries` times. */
async function until(what: string, check: () => Promise<boolean>, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function openUploads(key: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const u of store.listUploads(key)) if (u.key === key) ids.push(u.uploadId);
  return ids;
}

const phaseIn = async (layout: BucketLayout, name: string) =>
  JSON.parse(Buffer.from((await store.getBytes(layout.backupKey(name, 'backup'))).bytes).toString()) as { metadata: { annotations: Record<string, string> }; status: { phase: string; failureReason?: string } };

beforeAll(async () => {
  // About 12 MB of incompressible data: the tarball needs more than one 5 MiB part, so it is a multipart upload.
  await createAll(stackCluster('source'), Array.from({ length: 16 }, (_, i) => ({
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `noise-${i}`, namespace: big }, data: { noise: randomBytes(560 * 1024).toString('base64') },
  })));
});

describe('backup leftovers on the real stack', () => {
  it('a backup given too little time ends Failed, its multipart upload aborted on the bucket, and is catalogued Failed', async () => {
    const layout = new BucketLayout(freshName('it-deadline'));
    const name = 'late';
    const tarKey = layout.backupKey(name, 'tarball');
    const start = Date.now();
    let now = start;
    const clock = () => new Date(now);
    let seenOpen: string[] = [];
    // Holds the tarball's bytes once 6 MiB went through, until the bucket shows its multipart upload; then the
    // clock passes the deadline, and the bytes go on (the run notices at its next progress report).
    const gated: ObjectStore = Object.assign(Object.create(store) as ObjectStore, {
      upload: (key: string, body: Readable, options?: { contentType?: string }) => {
        let seen = 0;
        let opened = false;
        const gate = new Transform({
          transform(chunk: Buffer, _enc, done) {
            seen += chunk.length;
            if (opened || seen < 6 * MiB) return done(null, chunk);
            opened = true;
            until('the multipart upload', async () => (seenOpen = await openUploads(key)).length > 0)
              .then(() => { now = start + 10 * 60_000; done(null, chunk); }, (err: Error) => done(err));
          },
        });
        body.on('error', (err) => gate.destroy(err));
        return store.upload(key, body.pipe(gate), options);
      },
    });
    const spec = parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name },
      spec: { includedNamespaces: [big], includedResources: ['configmaps'] } }, 'backup');
    const outcome = await runBackup(spec, { store: gated, layout, cluster: stackCluster('source'), clock, deadline: new Date(start + 5 * 60_000) });

    expect(seenOpen).toHaveLength(1);
    expect(outcome).toMatchObject({ phase: 'Failed', failureReason: expect.stringMatching(/ran out of time/) as string });
    expect(await openUploads(tarKey)).toEqual([]);
    expect(await store.head(tarKey)).toBeUndefined();
    expect(await store.head(layout.backupKey(name, 'manifest'))).toBeUndefined();
    expect((await phaseIn(layout, name)).status).toMatchObject({ phase: 'Failed', failureReason: expect.stringMatching(/ran out of time/) as string });
    await indexBackup(name, { store, layout, now: clock, log: quietLog });
    expect((await readCatalogEntry(store, layout, name)).entry).toMatchObject({ phase: 'Failed' });
  });

  it('a `ferry backup` killed with SIGKILL mid-upload is recorded Failed by expiry once its lease lapses (minutes, not six hours), its upload aborted', async () => {
    const name = 'killed';
    // A prefix of its own, so that expiry judges this backup alone in the shared bucket.
    const prefix = freshName('it-killed');
    const layout = new BucketLayout(prefix);
    const tarKey = layout.backupKey(name, 'tarball');
    const dir = mkdtempSync(join(tmpdir(), 'ferry-killed-'));
    writeFileSync(join(dir, 'ferry.yaml'), `${readFileSync(join(stackDir(), 'ferry.yaml'), 'utf8').trimEnd()}\n    prefix: ${prefix}\n`);
    writeFileSync(join(dir, 'backup.yaml'), JSON.stringify({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name },
      spec: { includedNamespaces: [big], includedResources: ['configmaps'] } }));
    const child = spawn(process.execPath, ['bin/ferry.js', 'backup', '-f', join(dir, 'backup.yaml')], {
      env: { ...process.env, ...stackEnv(), FERRY_CONFIG: join(dir, 'ferry.yaml') }, stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let killedAt: number;
    try {
      await until('the killed writer\'s multipart upload', async () => (await openUploads(tarKey)).length > 0);
    } finally {
      child.kill('SIGKILL');
      killedAt = Date.now();
      await exited;
    }
    const claim = await phaseIn(layout, name);
    expect(claim.status.phase).toBe('InProgress');
    // The claim is a lease of a few minutes (renewed while the writer lived), not the CLI run's six hours.
    const lease = Date.parse(claim.metadata.annotations['ferry.dev/deadline']!);
    expect(lease).toBeLessThanOrEqual(killedAt + BACKUP_LEASE_MS);
    const deps = (now: number) => ({ store, layout, now: () => new Date(now), log: quietLog });
    // Within the lease and its grace the writer may be alive: the index and expiry touch nothing.
    expect((await expireBackups(deps(lease + ABANDON_GRACE_MS - 1_000))).settled).toEqual([]);
    await indexBackup(name, deps(lease));
    expect((await phaseIn(layout, name)).status.phase).toBe('InProgress');
    expect(await openUploads(tarKey)).toHaveLength(1);
    // Once it lapsed, expiry (hourly) records it Failed and aborts its upload; a run wanting the name would do the same.
    const lapsed = lease + ABANDON_GRACE_MS + 1_000;
    expect((await expireBackups(deps(lapsed))).settled).toEqual([
      { backup: name, reason: expect.stringMatching(/writer stopped before it finished: still InProgress after its deadline/) as string, abortedUploads: [tarKey] },
    ]);
    expect((await phaseIn(layout, name)).status).toMatchObject({ phase: 'Failed', failureReason: expect.stringMatching(/writer stopped before it finished/) as string });
    expect(await openUploads(tarKey)).toEqual([]);
    expect(await indexBackup(name, deps(lapsed))).toMatchObject({ phase: 'Failed' });
  });

  it('expiry aborts multipart uploads older than a day under the backups prefix, and not younger ones', async () => {
    const layout = new BucketLayout(freshName('it-stale'));
    const client = createS3Client(stackS3Location());
    const { bucket } = stackS3Location();
    const keys = [layout.backupKey('a', 'tarball'), layout.backupKey('b', 'tarball')];
    for (const Key of keys) {
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }));
      await client.send(new UploadPartCommand({ Bucket: bucket, Key, UploadId, PartNumber: 1, Body: randomBytes(5 * MiB) }));
    }
    const expireAt = (at: number, dryRun = false) => expireBackups({ store, layout, now: () => new Date(at), log: quietLog }, { dryRun });
    const hour = 3_600_000;
    expect((await expireAt(Date.now() + 23 * hour)).abortedUploads).toEqual([]);
    expect((await expireAt(Date.now() + 25 * hour, true)).abortedUploads.sort()).toEqual(keys.sort());
    for (const key of keys) expect(await openUploads(key)).toHaveLength(1);
    expect((await expireAt(Date.now() + 25 * hour)).abortedUploads.sort()).toEqual(keys.sort());
    for (const key of keys) expect(await openUploads(key)).toEqual([]);
  });
});
