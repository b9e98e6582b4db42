import { describe, expect, it } from 'vitest';
import { runBackups, type BackupsDeps } from '../../../lib/cli/backups.js';
import type { CliIo } from '../../../lib/cli/io.js';
import { readCatalogEntry } from '../../../lib/catalog/catalog-entry.js';
import { indexBackup } from '../../../lib/catalog/index-backup.js';
import { silentLog } from '../../../lib/catalog/types.js';
import { ConfigError } from '../../../lib/compose.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { buildBackup, flipByte, putBackup, replaceFile } from '../../support/backup-fixture.js';
import { MemoryStore } from '../../support/memory-store.js';

const layout = new BucketLayout('');
const NOW = new Date('2026-01-13T08:00:00Z');

function recordingIo(): CliIo & { out: string; err: string } {
  const io = {
    out: '', err: '',
    stdout(text: string) { io.out += text; },
    stderr(text: string) { io.err += text; },
    readFile: async () => Buffer.from(''), readDir: async () => undefined, env: {}, cwd: '/', interactive: false,
  };
  return io;
}

function deps(store: MemoryStore): BackupsDeps & { opened: { config?: string; location?: string }[] } {
  const opened: { config?: string; location?: string }[] = [];
  return { opened, now: () => NOW, open: async (args) => { opened.push(args); return { name: 'default', store, layout }; } };
}

async function bucket(): Promise<MemoryStore> {
  const store = new MemoryStore();
  const core = { store, layout, now: () => NOW, log: silentLog };
  await putBackup(store, layout, 'nightly-1', await buildBackup('nightly-1', { created: new Date('2026-01-10T08:00:00Z'), sourceCluster: 'idc' }));
  await indexBackup('nightly-1', core);
  const broken = await buildBackup('broken-1', { created: new Date('2026-01-12T20:00:00Z') });
  await putBackup(store, layout, 'broken-1', replaceFile(broken, 'broken-1.tar.gz', flipByte(broken[0]![1])));
  await indexBackup('broken-1', core);
  await putBackup(store, layout, 'velero-1', await buildBackup('velero-1', { ferry: false }));
  return store;
}

describe('ferry backups list', () => {
  it('prints name, phase, age, expiry, items, size and verification, and lists backups not indexed yet', async () => {
    const io = recordingIo();
    expect(await runBackups(['list'], io, deps(await bucket()))).toBe(0);
    const lines = io.out.trimEnd().split('\n').map((l) => l.split(/\s{2,}/));
    expect(lines[0]).toEqual(['NAME', 'PHASE', 'AGE', 'EXPIRES', 'ITEMS', 'SIZE', 'VERIFIED']);
    expect(lines[1]).toEqual(['broken-1', 'Corrupt', '12h', 'in 29d', '0', expect.stringMatching(/^\d+\.\d KiB$/), 'no']);
    expect(lines[2]).toEqual(['nightly-1', 'Completed', '3d', 'in 27d', '4', expect.stringMatching(/^\d+\.\d KiB$/), 'yes']);
    expect(lines[3]).toEqual(['velero-1', '(not indexed)']);
  });

  it('prints JSON with -o json', async () => {
    const io = recordingIo();
    await runBackups(['list', '-o', 'json'], io, deps(await bucket()));
    const out = JSON.parse(io.out);
    expect(out.backups.map((b: { name: string; phase: string }) => `${b.name} ${b.phase}`)).toEqual(['broken-1 Corrupt', 'nightly-1 Completed']);
    expect(out.notIndexed).toEqual(['velero-1']);
  });
});

describe('ferry backups describe', () => {
  it('prints the counts by namespace and resource and the source cluster', async () => {
    const io = recordingIo();
    expect(await runBackups(['describe', 'nightly-1'], io, deps(await bucket()))).toBe(0);
    expect(io.out).toContain('Phase:           Completed\n');
    expect(io.out).toContain('Source cluster:  idc (Kubernetes v1.35.4)\n');
    expect(io.out).toContain('Items by namespace:\n  (cluster-scoped)  1\n  default  3\n');
    expect(io.out).toContain('Items by resource:\n  configmaps  1\n  namespaces  1\n  services  1\n  statefulsets.apps  1\n');
    expect(io.out).toContain('Problems: none\n');
  });

  it('prints the problems found in a corrupt backup', async () => {
    const io = recordingIo();
    await runBackups(['describe', 'broken-1'], io, deps(await bucket()));
    expect(io.out).toMatch(/Problems:\n {2}- broken-1\.tar\.gz: sha256 [0-9a-f]{64} does not match ferry-manifest\.json/);
  });

  it('says how to index a backup that has no catalog entry, exiting 2', async () => {
    const io = recordingIo();
    expect(await runBackups(['describe', 'velero-1'], io, deps(await bucket()))).toBe(2);
    expect(io.err).toMatch(/backup velero-1 has no catalog entry in default; `ferry backups verify velero-1 --update-catalog` indexes it/);
  });
});

describe('ferry backups verify', () => {
  it('validates again and exits 0 for a sound backup, without writing the catalog', async () => {
    const store = await bucket();
    const io = recordingIo();
    expect(await runBackups(['verify', 'velero-1'], io, deps(store))).toBe(0);
    expect(io.out).toMatch(/^Backup velero-1: Completed, not verified\n/);
    expect((await readCatalogEntry(store, layout, 'velero-1')).entry).toBeUndefined();
  });

  it('exits 1 for a corrupt backup and prints why', async () => {
    const io = recordingIo();
    expect(await runBackups(['verify', 'broken-1'], io, deps(await bucket()))).toBe(1);
    expect(io.out).toMatch(/^Backup broken-1: Corrupt, not verified\n[\s\S]*- broken-1\.tar\.gz: sha256/);
  });

  it('writes the catalog entry with --update-catalog', async () => {
    const store = await bucket();
    const io = recordingIo();
    expect(await runBackups(['verify', 'velero-1', '--update-catalog', '-o', 'json'], io, deps(store))).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ name: 'velero-1', phase: 'Completed', verified: false, counts: { items: 4 } });
    expect((await readCatalogEntry(store, layout, 'velero-1')).entry?.phase).toBe('Completed');
  });

  it('exits 2 for a backup with no files', async () => {
    const io = recordingIo();
    expect(await runBackups(['verify', 'nothing-here'], io, deps(await bucket()))).toBe(2);
    expect(io.err).toBe('ferry backups: backup nothing-here has no files in default\n');
  });
});

describe('ferry backups usage', () => {
  it.each([
    [[], /expected list, describe or verify/],
    [['remove', 'x'], /unknown verb "remove"/],
    [['describe'], /name the backup to describe/],
    [['verify', '../etc'], /"..\/etc" is not a backup name/],
    [['list', 'extra'], /unexpected argument extra/],
    [['list', '-o', 'yaml'], /-o: expected text or json, got "yaml"/],
    [['describe', 'a', '--update-catalog'], /--update-catalog goes with verify/],
    [['list', '--bogus'], /unknown option --bogus/],
  ])('refuses %j with exit 2 and the usage', async (argv, message) => {
    const io = recordingIo();
    const d = deps(new MemoryStore());
    expect(await runBackups(argv, io, d)).toBe(2);
    expect(io.err).toMatch(message);
    expect(io.err).toContain('usage: ferry backups list');
    expect(d.opened).toEqual([]);
  });

  it('passes --location and --config to the location opener', async () => {
    const d = deps(await bucket());
    await runBackups(['list', '--location', 'vault', '--config', 'x.yaml'], recordingIo(), d);
    expect(d.opened).toEqual([{ config: 'x.yaml', location: 'vault' }]);
  });

  it('reports a config problem with exit 2', async () => {
    const io = recordingIo();
    const d: BackupsDeps = { now: () => NOW, open: async () => { throw new ConfigError('storage location "vault" is not in the config (known: default)'); } };
    expect(await runBackups(['list'], io, d)).toBe(2);
    expect(io.err).toBe('ferry backups: storage location "vault" is not in the config (known: default)\n');
  });
});
