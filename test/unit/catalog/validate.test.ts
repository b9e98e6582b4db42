import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BackupChangedError } from '../../../lib/catalog/errors.js';
import type { ValidationLimits } from '../../../lib/catalog/types.js';
import { validateBackup, type Verdict } from '../../../lib/catalog/validate.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import {
  archiveEntries, backupObject, bombEntries, buildBackup, buildTarball, flipByte, manifestFor, putBackup, replaceFile, seedItems,
  type BackupFiles, type FixtureEntry,
} from '../../support/backup-fixture.js';
import { MemoryStore } from '../../support/memory-store.js';

const NAME = 'nightly-20260110080000';
const TAR = `${NAME}.tar.gz`;
const layout = new BucketLayout('ferry backups');

async function judge(files: BackupFiles, limits?: Partial<ValidationLimits>, store = new MemoryStore()): Promise<Verdict> {
  await putBackup(store, layout, NAME, files);
  return validateBackup(NAME, { store, layout, limits });
}

const withEntry = (extra: FixtureEntry) => buildBackup(NAME, { entries: [...archiveEntries(), extra] });
const item = (path: string, body: unknown): FixtureEntry => ({ path, body });
const fileOf = (files: BackupFiles, name: string) => files.find(([f]) => f === name)![1];
const without = (files: BackupFiles, name: string) => files.filter(([f]) => f !== name);

interface Case {
  name: string;
  build: () => Promise<BackupFiles>;
  limits?: Partial<ValidationLimits>;
  phase: Verdict['phase'];
  problem: RegExp;
  verified?: boolean;
}

const cases: Case[] = [
  {
    name: 'a tarball with one flipped byte is Corrupt, named by its sha256 mismatch',
    build: async () => { const f = await buildBackup(NAME); return replaceFile(f, TAR, flipByte(fileOf(f, TAR))); },
    phase: 'Corrupt', problem: new RegExp(`^${NAME}\\.tar\\.gz: sha256 [0-9a-f]{64} does not match ferry-manifest.json \\([0-9a-f]{64}\\)$`),
  },
  {
    name: 'a results file with one flipped byte is Corrupt before the tarball is even read',
    build: async () => { const f = await buildBackup(NAME); return replaceFile(f, `${NAME}-results.gz`, flipByte(fileOf(f, `${NAME}-results.gz`))); },
    phase: 'Corrupt', problem: new RegExp(`^${NAME}-results\\.gz: sha256 .* does not match`),
  },
  {
    name: 'a truncated tarball is Corrupt, named by its size',
    build: async () => { const f = await buildBackup(NAME); const t = fileOf(f, TAR); return replaceFile(f, TAR, t.subarray(0, t.length - 100)); },
    phase: 'Corrupt', problem: /^nightly-20260110080000\.tar\.gz is \d+ bytes; ferry-manifest.json says \d+$/,
  },
  {
    name: 'a tarball listed in the manifest but missing is Corrupt',
    build: async () => without(await buildBackup(NAME), TAR),
    phase: 'Corrupt', problem: /^nightly-20260110080000\.tar\.gz is listed in ferry-manifest.json but missing$/,
  },
  {
    name: 'a Ferry backup without its manifest is Incomplete: the manifest is the commit marker',
    build: async () => without(await buildBackup(NAME), 'ferry-manifest.json'),
    phase: 'Incomplete', problem: /^ferry-manifest.json has not been written yet/,
  },
  {
    name: 'a tarball with a ../ path is Corrupt even when the manifest matches it',
    build: () => withEntry(item('resources/../../../etc/cron.d/x.json', {})),
    phase: 'Corrupt', problem: /unsafe entry path "resources\/..\/..\/..\/etc\/cron.d\/x.json"/,
  },
  {
    name: 'a tarball with an absolute path is Corrupt',
    build: () => withEntry(item('/etc/passwd', 'root:x:0:0')),
    phase: 'Corrupt', problem: /unsafe entry path "\/etc\/passwd"/,
  },
  {
    name: 'a tarball with a symlink entry is Corrupt',
    build: () => withEntry({ path: 'resources/secrets/namespaces/default/token.json', type: 'symlink', linkname: '/var/run/secrets/token' }),
    phase: 'Corrupt', problem: /is a symlink -> "\/var\/run\/secrets\/token", not a regular file/,
  },
  {
    name: 'a tarball with a device entry is Corrupt',
    build: () => withEntry({ path: 'resources/pods/cluster/mem.json', type: 'block-device' }),
    phase: 'Corrupt', problem: /is a block-device, not a regular file/,
  },
  {
    name: 'a tarball with an entry over the entry limit is Corrupt',
    build: () => withEntry(item('resources/configmaps/namespaces/default/huge.json', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'huge', namespace: 'default' }, data: { x: 'y'.repeat(70_000) } })),
    limits: { maxEntryBytes: 64 * 1024 },
    phase: 'Corrupt', problem: /entry "resources\/configmaps\/namespaces\/default\/huge.json" is \d+ bytes, over the limit of 65536/,
  },
  {
    name: 'a gzip bomb is Corrupt, stopped by the compression ratio',
    // 4 MiB of one letter: past the 2 MiB after which the ratio is checked, and cheap to build on a loaded machine.
    build: async () => buildBackup(NAME, { tarball: await buildTarball(bombEntries(8, 512 * 1024), 9) }),
    limits: { ratioCheckAfterBytes: 2 * 1024 * 1024, maxCompressionRatio: 100 },
    phase: 'Corrupt', problem: /compression ratio exceeds 100:1 .*a gzip bomb/,
  },
  {
    name: 'a tarball over the decompressed total is Invalid, saying a restore could not hold it',
    build: async () => buildBackup(NAME, { tarball: await buildTarball(bombEntries(10, 100_000)) }),
    limits: { maxTotalBytes: 500_000 },
    phase: 'Invalid', problem: /^the tarball inflates to more than 500000 bytes, more than a restore may spill/,
  },
  {
    name: 'a tarball with more entries than allowed is Corrupt',
    build: () => buildBackup(NAME),
    limits: { maxEntries: 5 },
    phase: 'Corrupt', problem: /^more than 5 entries$/,
  },
  {
    name: 'a tarball holding one item path twice is Corrupt, naming the path',
    build: () => withEntry(item('resources/services/namespaces/default/nginx.json', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx', namespace: 'default' } })),
    phase: 'Corrupt', problem: /^entry "resources\/services\/namespaces\/default\/nginx.json" appears more than once in the tarball$/,
  },
  {
    name: 'a backup with more items than a restore holds is Invalid, saying so',
    build: () => buildBackup(NAME),
    limits: { maxItems: 3 },
    phase: 'Invalid', problem: /^the backup holds more than 3 items, more than a restore holds within its memory bound/,
  },
  {
    // Issue 19's trial scaled down 1:1024 (400 entries of 7 KiB at a high ratio, against a 2 MiB bound for 2 GiB), paths distinct.
    name: 'entries that inflate beyond what a restore may spill are refused by the decompressed total',
    build: async () => buildBackup(NAME, { tarball: await buildTarball([{ path: 'metadata/version', body: '1.1.0' },
      ...Array.from({ length: 400 }, (_, i) => item(`resources/configmaps/namespaces/default/big-${i}.json`,
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `big-${i}`, namespace: 'default' }, data: { x: 'z'.repeat(7 * 1024) } }))], 9) }),
    limits: { maxTotalBytes: 2 * 1024 * 1024 },
    phase: 'Invalid', problem: /^the tarball inflates to more than 2097152 bytes, more than a restore may spill to its ephemeral storage/,
  },
  {
    name: 'a tarball with a non-JSON item is Corrupt',
    build: () => withEntry(item('resources/configmaps/namespaces/default/notes.json', 'name: not json')),
    phase: 'Corrupt', problem: /entry "resources\/configmaps\/namespaces\/default\/notes.json" is not JSON/,
  },
  {
    name: 'an item without a kind is Corrupt',
    build: () => withEntry(item('resources/configmaps/namespaces/default/c.json', { apiVersion: 'v1', metadata: { name: 'c', namespace: 'default' } })),
    phase: 'Corrupt', problem: /has no kind$/,
  },
  {
    name: 'an item in the folder of another namespace is Corrupt',
    build: () => withEntry(item('resources/configmaps/namespaces/default/c.json', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'kube-system' } })),
    phase: 'Corrupt', problem: /is in the folder of namespace "default" but its metadata.namespace is "kube-system"/,
  },
  {
    name: 'a namespaced item under cluster/ is Corrupt',
    build: () => withEntry(item('resources/configmaps/cluster/c.json', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' } })),
    phase: 'Corrupt', problem: /is cluster-scoped but its metadata.namespace is "default"/,
  },
  {
    name: 'an item whose file name is not its name is Corrupt',
    build: () => withEntry(item('resources/configmaps/namespaces/default/a.json', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'default' } })),
    phase: 'Corrupt', problem: /holds an object named "b"/,
  },
  {
    name: 'a file outside resources/ and metadata/ is Corrupt',
    build: () => withEntry(item('scripts/run.sh', 'rm -rf /')),
    phase: 'Corrupt', problem: /entry "scripts\/run.sh" is outside resources\/ and metadata\//,
  },
  {
    name: 'a tarball without metadata/version is Corrupt',
    build: () => buildBackup(NAME, { entries: archiveEntries().slice(1) }),
    phase: 'Corrupt', problem: /^the tarball has no metadata\/version entry$/,
  },
  {
    name: 'a tarball of format version 2.0.0 is Invalid: well-formed, but not a format Ferry reads',
    build: () => buildBackup(NAME, { entries: archiveEntries(seedItems(), '2.0.0') }),
    phase: 'Invalid', problem: /^archive format version 2.0.0 is not supported/,
  },
  {
    name: 'a manifest that is not JSON is Invalid',
    build: async () => replaceFile(await buildBackup(NAME), 'ferry-manifest.json', Buffer.from('{"kind":')),
    phase: 'Invalid', problem: /ferry-manifest.json of nightly-20260110080000 is not JSON/,
  },
  {
    name: 'a manifest naming another backup is Invalid',
    build: async () => { const f = await buildBackup(NAME); return replaceFile(f, 'ferry-manifest.json', manifestFor('other', without(f, 'ferry-manifest.json'))); },
    phase: 'Invalid', problem: /names backup "other" but sits in the folder of "nightly-20260110080000"/,
  },
  {
    name: 'a manifest that does not list the tarball is Invalid',
    build: async () => { const f = await buildBackup(NAME); return replaceFile(f, 'ferry-manifest.json', manifestFor(NAME, without(without(f, 'ferry-manifest.json'), TAR))); },
    phase: 'Invalid', problem: /^ferry-manifest.json does not list nightly-20260110080000.tar.gz$/,
  },
  {
    name: 'a velero-backup.json naming another backup is Invalid even though it matches the manifest',
    build: async () => {
      const f = without(replaceFile(await buildBackup(NAME), 'velero-backup.json', Buffer.from(JSON.stringify(backupObject('other')))), 'ferry-manifest.json');
      return [...f, ['ferry-manifest.json', manifestFor(NAME, f)]];
    },
    phase: 'Invalid', problem: /names backup "other"/,
  },
  {
    name: 'a committed backup whose velero-backup.json still says InProgress is Invalid',
    build: () => buildBackup(NAME, { phase: 'InProgress' }),
    phase: 'Invalid', problem: /^ferry-manifest.json commits the backup but velero-backup.json says phase InProgress$/,
  },
  {
    name: 'a Velero backup still in progress is Incomplete',
    build: () => buildBackup(NAME, { ferry: false, phase: 'InProgress' }),
    phase: 'Incomplete', problem: /^velero-backup.json says phase InProgress$/,
  },
  {
    name: 'a Velero backup whose tarball has not arrived yet is Incomplete',
    build: async () => without(await buildBackup(NAME, { ferry: false }), TAR),
    phase: 'Incomplete', problem: /^nightly-20260110080000.tar.gz has not been written yet$/,
  },
  {
    name: 'a backup with only its tarball so far is Incomplete',
    build: async () => (await buildBackup(NAME)).filter(([f]) => f === TAR),
    phase: 'Incomplete', problem: /^velero-backup.json has not been written yet$/,
  },
  {
    name: 'a Velero backup with a truncated tarball is Corrupt, named by what the stream says',
    build: async () => { const f = await buildBackup(NAME, { ferry: false }); const t = fileOf(f, TAR); return replaceFile(f, TAR, t.subarray(0, t.length - 30)); },
    phase: 'Corrupt', problem: /not a readable tar.gz: unexpected end of file/,
  },
  {
    name: 'a Velero backup that failed is Failed, as it says',
    build: () => buildBackup(NAME, { ferry: false, phase: 'Failed', errors: 3 }),
    phase: 'Failed', problem: /^the backup says Failed with 3 errors and 0 warnings$/,
  },
  {
    name: 'a Ferry backup whose writer recorded a failure (and so wrote no manifest) is Failed, with the reason',
    build: async () => without(await buildBackup(NAME, { phase: 'Failed', errors: 1, failureReason: 'the source cluster stopped answering' }), 'ferry-manifest.json'),
    phase: 'Failed', problem: /^the backup says Failed with 1 errors and 0 warnings: the source cluster stopped answering$/,
  },
  {
    name: 'a Ferry backup that partially failed is PartiallyFailed, as it says, and verified',
    build: () => buildBackup(NAME, { phase: 'PartiallyFailed', errors: 1, warnings: 2 }),
    phase: 'PartiallyFailed', problem: /^the backup says PartiallyFailed with 1 errors and 2 warnings$/, verified: true,
  },
  {
    name: 'a Velero velero-backup.json that is not JSON is Invalid',
    build: async () => replaceFile(await buildBackup(NAME, { ferry: false }), 'velero-backup.json', Buffer.from('not json')),
    phase: 'Invalid', problem: /^velero-backup.json is not JSON/,
  },
];

describe('validateBackup', () => {
  it.each(cases)('$name', async (c) => {
    const verdict = await judge(await c.build(), c.limits);
    expect(verdict.phase).toBe(c.phase);
    expect(verdict.problems[0]).toMatch(c.problem);
    expect(verdict.verified).toBe(c.verified ?? false);
  });

  it('judges a good Ferry backup Completed and verified, counting each item once by namespace and resource', async () => {
    const files = await buildBackup(NAME, { sourceCluster: 'idc' });
    const verdict = await judge(files);
    expect(verdict).toMatchObject({
      phase: 'Completed', verified: true, format: 'ferry', problems: [], formatVersion: '1.1.0',
      committedAt: '2026-01-10T08:01:00.000Z', size: files.reduce((n, [, b]) => n + b.length, 0),
      counts: { items: 4, cluster: 1, byNamespace: { default: 3 }, byResource: { 'statefulsets.apps': 1, services: 1, configmaps: 1, namespaces: 1 } },
      backup: { sourceCluster: 'idc', phase: 'Completed', expires: '2026-02-09T08:00:00.000Z' },
    });
  });

  it('judges a Velero-layout backup without a manifest from its own files, unverified', async () => {
    const verdict = await judge(await buildBackup(NAME, { ferry: false }));
    expect(verdict).toMatchObject({ phase: 'Completed', verified: false, format: 'velero', counts: { items: 4 } });
    expect(verdict.problems).toEqual(['unverified: a Velero backup has no ferry-manifest.json']);
  });

  it('notes files the manifest does not cover without failing the backup', async () => {
    const files: BackupFiles = [...await buildBackup(NAME), [`${NAME}-logs.gz`, gzipSync('log line')]];
    const verdict = await judge(files);
    expect(verdict.phase).toBe('Completed');
    expect(verdict.problems).toEqual([`not covered by ferry-manifest.json: ${NAME}-logs.gz`]);
  });

  it('judges a folder with no files Incomplete', async () => {
    const verdict = await validateBackup(NAME, { store: new MemoryStore(), layout });
    expect(verdict).toMatchObject({ phase: 'Incomplete', problems: ['velero-backup.json has not been written yet'], size: 0 });
  });

  it('reads the tarball once when it is sound, and a second time only to finish its hash when its structure fails early', async () => {
    const tarGets = (store: MemoryStore) => store.calls.filter((c) => c.startsWith('get ') && c.endsWith(TAR)).length;
    const sound = new MemoryStore();
    await judge(await buildBackup(NAME), undefined, sound);
    expect(tarGets(sound)).toBe(1);
    const noise = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'noise', namespace: 'default' }, data: { x: randomBytes(1024 * 1024).toString('base64') } };
    const hostile = new MemoryStore();
    const verdict = await judge(await buildBackup(NAME, { entries: [
      { path: 'resources/x/cluster/l.json', type: 'symlink', linkname: '/' }, ...archiveEntries(), item('resources/configmaps/namespaces/default/noise.json', noise),
    ] }), undefined, hostile);
    expect(verdict.problems[0]).toMatch(/is a symlink/);
    expect(tarGets(hostile)).toBe(2);
  });

  it('refuses a velero-backup.json over the metadata limit without reading it', async () => {
    const store = new MemoryStore();
    const verdict = await judge(await buildBackup(NAME), { maxMetadataBytes: 600 }, store);
    expect(verdict.phase).toBe('Invalid');
    expect(verdict.problems[0]).toMatch(/^(ferry-manifest|velero-backup)\.json is \d+ bytes, over the limit of 600$/);
    expect(store.calls.some((c) => c.startsWith('get') && c.endsWith(TAR))).toBe(false);
  });

  it('throws BackupChangedError when a file is replaced between the listing and the read', async () => {
    const store = new MemoryStore();
    await putBackup(store, layout, NAME, await buildBackup(NAME));
    const listing = [];
    for await (const o of store.list(layout.backupPrefix(NAME))) listing.push(o);
    await store.put(`${layout.backupPrefix(NAME)}velero-backup.json`, JSON.stringify(backupObject(NAME, { phase: 'PartiallyFailed' })));
    await expect(validateBackup(NAME, { store, layout }, listing)).rejects.toBeInstanceOf(BackupChangedError);
  });
});
