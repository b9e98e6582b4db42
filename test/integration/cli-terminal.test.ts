// Tables on a real terminal, through the real command on the local stack: `ferry backups list` and `restores list`
// run under a pseudo-terminal of a set width (util-linux `script`) fit it, keeping names whole while other columns can
// give room; `-o wide` adds its columns and is never cut; output into a pipe is never cut either.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BucketLayout } from '../../lib/store/layout.js';
import { buildBackup, putBackup } from '../support/backup-fixture.js';
import { ferry, ferryEnv, type FerryRun } from '../support/ferry-cli.js';
import { lockedBucket } from '../support/locked-bucket.js';
import { freshName } from '../support/stack.js';

const bin = resolve(import.meta.dirname, '../../bin/ferry.js');
const layout = new BucketLayout('');
const COLUMNS = 90;

/** Runs `ferry args...` on a pseudo-terminal `columns` wide; its output as the terminal shows it (lines without \r). */
function onTerminal(args: string[], env: Record<string, string>, columns = COLUMNS): Promise<FerryRun> {
  const quoted = [process.execPath, bin, ...args].map((a) => `'${a.replaceAll('\'', '\'\\\'\'')}'`).join(' ');
  const child = spawn('script', ['-qec', `stty cols ${columns} rows 50; exec ${quoted}`, '/dev/null'], { env: ferryEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
  // The terminal shows stderr too: a slow bucket's "waiting for bucket ..." notice (after 1 s, as on a loaded
  // machine) is a line of its own, left out here so that the table is what is checked.
  const table = (text: string) => text.replaceAll('\r\n', '\n').replace(/^waiting for .*\n/gm, '');
  return new Promise((done) => child.on('close', (code) => done({ code, out: table(out), err })));
}

const widest = (text: string) => Math.max(...text.trimEnd().split('\n').map((l) => l.length));

describe('tables on a terminal', () => {
  const bucket = lockedBucket('ferry-term');
  const env = { FERRY_S3_BUCKET: bucket.bucket };
  // 38 characters or so: with the other columns at their natural widths the table is a few characters too wide.
  const indexed = freshName('cliterm-wide-backup-name');
  const pending = freshName('cliterm-pending');
  const restoreName = freshName('cliterm-restore');

  beforeAll(async () => {
    await bucket.create();
    await putBackup(bucket.store, layout, indexed, await buildBackup(indexed));
    const verified = await ferry(['backups', 'verify', indexed, '--update-catalog'], { env });
    expect(verified.code, verified.err).toBe(0);
    // Not in the catalog: its PHASE cell is "(not indexed)", the widest of its column.
    await putBackup(bucket.store, layout, pending, await buildBackup(pending));
    const dir = mkdtempSync(join(tmpdir(), 'ferry-term-'));
    writeFileSync(join(dir, 'restore.yaml'), stringify({ apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: restoreName },
      spec: { backupName: indexed, includedResources: ['configmaps', 'services'], namespaceMapping: { default: freshName('cliterm') } } }));
    const dry = await ferry(['restore', '-f', join(dir, 'restore.yaml'), '--cluster', 'target', '--dry-run'], { env });
    expect(dry.code, dry.out + dry.err).toBe(0);
  });

  afterAll(() => bucket.remove());

  it('`backups list` fits the terminal, cutting other columns before the names', async () => {
    const run = await onTerminal(['backups', 'list'], env);
    expect(run.code, run.err).toBe(0);
    expect(widest(run.out), run.out).toBeLessThanOrEqual(COLUMNS);
    expect(run.out).toMatch(/^NAME +PHASE +AGE +EXPIRES +ITEMS +SIZE +VERIFIED\n/);
    // Which of the other cells are cut depends on the names' lengths; the name is whole, its row complete.
    expect(run.out).toMatch(new RegExp(`\\n${indexed}  Compl\\S* +\\d+d +expired\\S* +\\d+ +[\\d.]+ KiB +yes\\n`));
    expect(run.out).toContain(`\n${pending}`);
    expect(run.out).toContain('…');
  });

  it('`backups list -o wide` adds the source, creation time, format and first problem, and is not cut', async () => {
    const run = await onTerminal(['backups', 'list', '-o', 'wide'], env);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/^NAME +PHASE +AGE +EXPIRES +ITEMS +SIZE +VERIFIED +SOURCE +CREATED +FORMAT +PROBLEM\n/);
    expect(run.out).toMatch(new RegExp(`\\n${indexed} +Completed .* yes +\\S+ +\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z +ferry\\n`));
    expect(run.out).toContain('(not indexed)');
    expect(run.out).not.toContain('…');
    expect(widest(run.out)).toBeGreaterThan(COLUMNS);
  });

  it('the same list into a pipe is not cut', async () => {
    const run = await ferry(['backups', 'list'], { env });
    expect(run.out).toMatch(new RegExp(`\\n${indexed} +Completed +\\d+d +expired \\d+d ago +`));
    expect(run.out).toMatch(new RegExp(`\\n${pending} +\\(not indexed\\)\\n`));
    expect(run.out).not.toContain('…');
  });

  it('`restores list` fits the terminal and shows a restore only tried as a dry run; -o wide adds its counts and is not cut', async () => {
    const narrow = await onTerminal(['restores', 'list'], env);
    expect(narrow.code, narrow.err).toBe(0);
    expect(widest(narrow.out), narrow.out).toBeLessThanOrEqual(COLUMNS);
    expect(narrow.out).toMatch(new RegExp(`\\n${restoreName} +cliterm\\S*… +target +Completed.* +\\d+[sm] +\\d+ +0\\n`));
    const wide = await onTerminal(['restores', 'list', '-o', 'wide'], env);
    expect(wide.out).toMatch(/^NAME +BACKUP +CLUSTER +PHASE +AGE +CREATED +FAILED +UPDATED +UNCHANGED +SKIPPED +DRY RUN +COMPLETED\n/);
    expect(wide.out).toMatch(new RegExp(`\\n${restoreName} +${indexed} +target +Completed \\(dry run\\) +\\d+[sm] +\\d+ +0 +0 +0 +0 +yes +\\d{4}-`));
    expect(widest(wide.out)).toBeGreaterThan(COLUMNS);
  });
});
