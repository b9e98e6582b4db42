import { gzipSync } from 'node:zlib';
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

  it('judges a backup that has no catalog entry from its files, says so, and writes nothing', async () => {
    const store = await bucket();
    const io = recordingIo();
    expect(await runBackups(['describe', 'velero-1'], io, deps(store))).toBe(0);
    expect(io.out).toMatch(/^Name: +velero-1\nPhase: +Completed\n/);
    expect(io.out).toMatch(/Indexed: +not in the catalog: judged now from its files \(`ferry backups verify velero-1 --update-catalog` records it\)/);
    expect((await readCatalogEntry(store, layout, 'velero-1')).entry).toBeUndefined();
  });

  it('marks a backup judged on the fly as not indexed in its data (-o yaml)', async () => {
    const io = recordingIo();
    expect(await runBackups(['describe', 'velero-1', '-o', 'yaml'], io, deps(await bucket()))).toBe(0);
    expect(io.out).toMatch(/^apiVersion: ferry.dev\/v1\n/);
    expect(io.out).toMatch(/\nindexed: false\n/);
  });

  it('says there is no such backup in the location, exiting 2', async () => {
    const io = recordingIo();
    expect(await runBackups(['describe', 'ghost'], io, deps(await bucket()))).toBe(2);
    expect(io.err).toBe('ferry backups: no backup named ghost in default\n');
  });

  it('prints problems of a hostile backup on one line each, escape sequences shown, not sent', async () => {
    const store = await bucket();
    const { entry } = await readCatalogEntry(store, layout, 'broken-1');
    await store.put(layout.catalogKey('broken-1'), JSON.stringify({ ...entry, problems: ['entry \u001b[2J\u001b[32mALL GOOD\nCompleted'] }));
    const io = recordingIo();
    await runBackups(['describe', 'broken-1'], io, deps(store));
    expect(io.out).toContain('  - entry \\x1b[2J\\x1b[32mALL GOOD\\x0aCompleted\n');
    expect(io.out).not.toContain('\u001b');
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
    expect(io.err).toBe('ferry backups: no backup named nothing-here in default\n');
  });
});

describe('ferry backups list, as wide as the terminal', () => {
  it('cuts the widest cells of the table to fit the terminal, and -o wide adds columns without cutting', async () => {
    const store = await bucket();
    const io = { ...recordingIo(), columns: 50 };
    await runBackups(['list'], io, deps(store));
    expect(Math.max(...io.out.trimEnd().split('\n').map((l) => l.length))).toBeLessThanOrEqual(50);
    const wide = recordingIo();
    await runBackups(['list', '-o', 'wide'], wide, deps(store));
    expect(wide.out.split('\n')[0]!.split(/\s{2,}/)).toEqual(['NAME', 'PHASE', 'AGE', 'EXPIRES', 'ITEMS', 'SIZE', 'VERIFIED', 'SOURCE', 'CREATED', 'FORMAT', 'PROBLEM']);
    expect(wide.out).toMatch(/nightly-1 .* idc +2026-01-10T08:00:00.000Z +ferry/);
  });
});

describe('ferry backups logs', () => {
  it('prints the log the backup keeps', async () => {
    const store = await bucket();
    await store.put(layout.backupKey('nightly-1', 'logs'), gzipSync('time="2026-01-10T08:00:00Z" level=info msg="backup nightly-1 Completed: 4 items" backup=nightly-1\n'));
    const io = recordingIo();
    expect(await runBackups(['logs', 'nightly-1'], io, deps(store))).toBe(0);
    expect(io.out).toBe('time="2026-01-10T08:00:00Z" level=info msg="backup nightly-1 Completed: 4 items" backup=nightly-1\n');
  });

  it('gives each line\'s fields as data with -o json', async () => {
    const store = await bucket();
    await store.put(layout.backupKey('nightly-1', 'logs'), gzipSync('time="2026-01-10T08:00:00Z" level=info msg="backed up 4 configmaps" backup=nightly-1 resource=configmaps\nnot a logrus line\n'));
    const io = recordingIo();
    expect(await runBackups(['logs', 'nightly-1', '-o', 'json'], io, deps(store))).toBe(0);
    expect(JSON.parse(io.out)).toEqual({ backup: 'nightly-1', lines: [
      { time: '2026-01-10T08:00:00Z', level: 'info', msg: 'backed up 4 configmaps', backup: 'nightly-1', resource: 'configmaps' },
      { msg: 'not a logrus line' },
    ] });
  });

  it.each([
    ['a backup that keeps no log', 'nightly-1', /backup nightly-1 has no log \(nightly-1-logs.gz\)/],
    ['a backup that does not exist', 'ghost', /no backup named ghost in default/],
  ])('says so for %s, exiting 2', async (_case, name, message) => {
    const io = recordingIo();
    expect(await runBackups(['logs', name], io, deps(await bucket()))).toBe(2);
    expect(io.err).toMatch(message);
  });
});

describe('ferry backups delete', () => {
  it('deletes each backup named and its catalog entry, and says there is no such backup for a name that is not there', async () => {
    const store = await bucket();
    const io = recordingIo();
    expect(await runBackups(['delete', 'nightly-1', 'ghost', 'velero-1'], io, deps(store))).toBe(2);
    expect(io.out).toMatch(/^backup nightly-1 deleted \(\d+ objects, its catalog entry included\)\nbackup velero-1 deleted/);
    expect(io.err).toBe('ferry backups: no backup named ghost in default\n');
    expect([...store.objects.keys()].filter((k) => /nightly-1|velero-1/.test(k))).toEqual([]);
  });

  it('leaves a backup under retention and exits 1, naming the object and what S3 answered', async () => {
    const store = await bucket();
    store.protectedKeys.add(layout.backupKey('nightly-1', 'manifest'));
    const io = recordingIo();
    expect(await runBackups(['delete', 'nightly-1'], io, deps(store))).toBe(1);
    expect(io.out).toMatch(/^backup nightly-1 not deleted: its objects are under S3 retention or legal hold\n  left backups\/nightly-1\/ferry-manifest.json: AccessDenied/);
  });

  it.each([
    ['deletes the kopia snapshots of a backup with volume data before its files, and says how many', 'ok', 0,
      /^backup nightly-1 deleted \(\d+ objects, its catalog entry included; kopia 1 snapshot of its volume data deleted\)\n$/, ''],
    ['keeps every file of a backup whose snapshots cannot be deleted, exits 1 and says why', 'refuse', 1,
      /^$/, 'ferry backups: backup nightly-1 not deleted: backup nightly-1: wrong password: the backup is kept whole\n'],
    ['keeps a backup with volume data in a location without volumeData settings, exits 1 and says why', 'none', 1,
      /^$/, /^ferry backups: backup nightly-1 not deleted: backup nightly-1 holds volume data .* the backup is kept\n$/],
  ] as const)('%s', async (_, expirer, code, out, err) => {
    const store = await bucket();
    await store.put(layout.backupKey('nightly-1', 'volumeData'), '{"version":1}');
    const calls: string[] = [];
    const volumeData = {
      async deleteSnapshots(backup: string) {
        calls.push(`delete ${backup}`);
        if (expirer === 'refuse') throw new Error(`backup ${backup}: wrong password`);
        return { namespaces: ['app'], snapshots: ['k1'], notes: [] };
      },
      async maintain(namespaces: readonly string[]) {
        calls.push(`maintain ${namespaces.join(',')}`);
        return [];
      },
    };
    const io = recordingIo();
    const opening = { ...deps(store), open: async () => ({ name: 'default', store, layout, volumeData: () => (expirer === 'none' ? undefined : volumeData) }) };
    expect(await runBackups(['delete', 'nightly-1'], io, opening)).toBe(code);
    expect(io.out).toMatch(out);
    if (typeof err === 'string') expect(io.err).toBe(err);
    else expect(io.err).toMatch(err);
    expect(store.objects.has(layout.backupKey('nightly-1', 'manifest'))).toBe(expirer === 'ok' ? false : true);
    expect(calls).toEqual(expirer === 'ok' ? ['delete nightly-1', 'maintain app'] : expirer === 'refuse' ? ['delete nightly-1'] : []);
  });
});

describe('ferry backups usage', () => {
  it.each([
    [[], /expected list, describe, verify, logs, delete/],
    [['remove', 'x'], /unknown verb "remove"/],
    [['lsit'], /unknown verb "lsit" \(did you mean list\?\)/],
    [['list', '--locaton', 'x'], /unknown option --locaton \(did you mean --location\?\)/],
    [['list', '--force'], /--force goes with delete/],
    [['delete', 'a', '-o', 'json'], /-o: expected text, got "json"/],
    [['describe'], /name the backup to describe/],
    [['verify', '../etc'], /"..\/etc" is not a backup name/],
    [['list', 'extra'], /unexpected argument extra/],
    [['list', '-o', 'xml'], /-o: expected text, wide, json, yaml, got "xml"/],
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
