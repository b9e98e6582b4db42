// `ferry backup` told to stop records its phase before its process ends, on the real stack: SIGINT mid-upload ends
// the backup Failed at once (not InProgress until its deadline, six hours for a CLI run), and a bucket frozen at that
// moment (versitygw stopped with SIGSTOP) gets the record as soon as it answers again, while the process lives on.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BucketLayout } from '../../lib/store/layout.js';
import { startFerry } from '../support/ferry-cli.js';
import { createAll } from '../support/seed.js';
import { freshName, stackCluster, stackDir, stackStore } from '../support/stack.js';

const store = stackStore();
const layout = new BucketLayout('');
const big = freshName('stop');
const dir = mkdtempSync(join(tmpdir(), 'ferry-stop-'));

/** Waits for a condition the test itself brings about, asking at most `tries` times. */
async function until(what: string, check: () => Promise<boolean> | boolean, tries = 1200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function openUploads(key: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const u of store.listUploads(key)) if (u.key === key) ids.push(u.uploadId);
  return ids;
}

const statusOf = async (name: string) =>
  (JSON.parse(Buffer.from((await store.getBytes(layout.backupKey(name, 'backup'))).bytes).toString()) as { status: { phase: string; failureReason?: string } }).status;

/** Starts `ferry backup` of the big namespace and waits until its tarball's multipart upload is open in the bucket. */
async function startMidUpload(name: string, env: Record<string, string> = {}) {
  writeFileSync(join(dir, `${name}.yaml`), JSON.stringify({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name },
    spec: { includedNamespaces: [big], includedResources: ['configmaps'] } }));
  const child = startFerry(['backup', '-f', join(dir, `${name}.yaml`)], { env });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  try {
    await until('the multipart upload', async () => (await openUploads(layout.backupKey(name, 'tarball'))).length > 0);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return { child, stderr: () => err };
}

beforeAll(async () => {
  // About 12 MB of incompressible data: the tarball is a multipart upload that takes a while.
  await createAll(stackCluster('source'), [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: big } }, ...Array.from({ length: 16 }, (_, i) => ({
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `noise-${i}`, namespace: big }, data: { noise: randomBytes(560 * 1024).toString('base64') },
  }))]);
});

describe('ferry backup stopped by a signal', () => {
  it('records Failed with the signal as its reason, aborts its upload and exits 1, on SIGINT mid-upload', async () => {
    const name = freshName('sigint');
    const { child } = await startMidUpload(name);
    child.kill('SIGINT');
    const run = await child.result;
    expect(run.code, run.err).toBe(1);
    expect(run.err).toContain('warning: SIGINT: stopping; the backup is being recorded Failed');
    expect(run.out).toMatch(/failure: {2}the backup was stopped \(interrupted by SIGINT\)/);
    expect(await statusOf(name)).toMatchObject({ phase: 'Failed', failureReason: expect.stringMatching(/^the backup was stopped \(interrupted by SIGINT\)/) as string });
    expect(await openUploads(layout.backupKey(name, 'tarball'))).toEqual([]);
  });

  it('keeps trying to record Failed while the bucket is frozen, and records it once the bucket answers again', async () => {
    const name = freshName('frozen');
    const pid = Number(readFileSync(join(stackDir(), 'versitygw.pid'), 'utf8').trim());
    const { child, stderr } = await startMidUpload(name, { FERRY_S3_TIMEOUT: '2' });
    process.kill(pid, 'SIGSTOP');
    try {
      child.kill('SIGTERM');
      await until('a failed attempt to record the failure', () => /could not record the failure in velero-backup.json \(attempt 1\)/.test(stderr()), 4000);
      expect(child.exitCode).toBeNull();
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const run = await child.result;
    expect(run.code, run.err).toBe(1);
    // Either a later attempt wrote it, or the attempt that timed out landed once the bucket thawed (both happen).
    expect(run.err).toMatch(/recorded the failure in velero-backup.json at attempt [2-9]|velero-backup.json records Failed \(an earlier attempt landed/);
    expect(await statusOf(name)).toMatchObject({ phase: 'Failed' });
  });
});
