// What Ferry refuses before it writes anything, on the real stack: a label selector the API server would refuse,
// a restore of a backup the location does not hold, and a hostile backup's object nested too deep to walk.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { buildVeleroBackup } from '../../lib/backup/velero-backup.js';
import { indexBackup } from '../../lib/catalog/index-backup.js';
import { runRestore } from '../../lib/restore/run-restore.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import { parseRestoreSpec } from '../../lib/spec/restore-spec.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { ArchiveWriter } from '../../lib/store/archive-writer.js';
import { ARCHIVE_FORMAT_VERSION, VERSION_ENTRY } from '../../lib/store/archive-paths.js';
import type { BackupFile } from '../../lib/store/layout.js';
import { buildManifest, type ManifestEntry } from '../../lib/store/manifest.js';
import { bundledMain, stackCliIo } from '../support/cli-io.js';
import { freshName, stackCluster, stackEnv, stackStore } from '../support/stack.js';

const main = await bundledMain();
const store = stackStore();
const quietLog = { info: () => undefined, warn: () => undefined };
const dir = mkdtempSync(join(tmpdir(), 'ferry-spec-guards-'));

beforeAll(() => {
  const env = stackEnv();
  process.env.AWS_ACCESS_KEY_ID ??= env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY ??= env.AWS_SECRET_ACCESS_KEY;
});

describe('spec guards on the real stack', () => {
  it('`ferry backup` refuses a label selector the API server would refuse, naming the field, and writes nothing', async () => {
    const name = freshName('bad-selector');
    writeFileSync(join(dir, 'backup.yaml'), JSON.stringify({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name },
      spec: { includedNamespaces: ['default'], labelSelector: { matchLabels: { 'bad key!': 'v a l' } } } }));
    const io = stackCliIo(dir);
    expect(await main(['backup', '-f', 'backup.yaml', '--cluster', 'source'], io)).toBe(2);
    expect(io.err).toMatch(/spec\.labelSelector\.matchLabels\.bad key!.*expected a key of at most 63 characters/);
    const written: string[] = [];
    for await (const o of store.list(new BucketLayout('').backupPrefix(name))) written.push(o.key);
    expect(written).toEqual([]);
  });

  it('`ferry restore` of a backup the location does not hold says so, and restores nothing', async () => {
    const backup = freshName('never-taken');
    writeFileSync(join(dir, 'restore.yaml'), JSON.stringify({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name: freshName('r') },
      spec: { backupName: backup } }));
    const io = stackCliIo(dir);
    expect(await main(['restore', '-f', 'restore.yaml', '--cluster', 'target'], io)).toBe(2);
    expect(io.err).toContain(`no backup named ${backup} in storage location default`);
    expect(io.err).not.toMatch(/Incomplete/);
  });

  it('a hostile backup holding an object nested 100,000 levels restores the rest and refuses that one with its reason, counted', async () => {
    // Written into the real bucket by hand, as whoever can write the bucket could, and indexed by the real index.
    const layout = new BucketLayout(freshName('it-deep'));
    const ns = freshName('deep');
    const levels = 100_000;
    const configMap = (name: string, extra = '') => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}","namespace":"${ns}"},"data":{"a":"b"}${extra}}`;
    const name = 'hostile';
    await hostileBackup(layout, name, {
      [`resources/configmaps/namespaces/${ns}/deep.json`]: configMap('deep', `,"x":${'['.repeat(levels)}${']'.repeat(levels)}`),
      [`resources/configmaps/namespaces/${ns}/plain.json`]: configMap('plain'),
    });
    expect(await indexBackup(name, { store, layout, now: () => new Date(), log: quietLog })).toMatchObject({ phase: 'Completed' });

    const target = stackCluster('target');
    const result = await runRestore({ name: freshName('deep-restore'), dryRun: false, spec: parseRestoreSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore',
      metadata: { name: 'r' }, spec: { backupName: name } }, 'r') }, { store, layout, cluster: target, now: () => new Date(), log: quietLog });
    expect(result.items.find((i) => i.name === 'plain')).toMatchObject({ status: 'created' });
    expect(result.skippedByTransform).toEqual([{ kind: 'ConfigMap', namespace: ns, name: 'deep', reason: expect.stringMatching(/^input: nests more than 1000 levels deep/) as string }]);
    expect(result.phase).toBe('PartiallyFailed');
    expect(await target.read('v1', 'ConfigMap', 'deep', ns)).toBeUndefined();
    target.close();
  });
});

/** Writes a committed Ferry backup of the given tarball entries (path to JSON text) straight into the bucket. */
async function hostileBackup(layout: BucketLayout, name: string, entries: Record<string, string>): Promise<void> {
  const files: Record<string, ManifestEntry> = {};
  const put = async (file: BackupFile, body: Uint8Array | string) => {
    const bytes = Buffer.from(body);
    await store.put(layout.backupKey(name, file), bytes);
    files[layout.backupKey(name, file).slice(layout.backupPrefix(name).length)] = { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  };
  const writer = new ArchiveWriter((body) => store.upload(layout.backupKey(name, 'tarball'), body), { mtime: new Date() });
  await writer.add(VERSION_ENTRY, ARCHIVE_FORMAT_VERSION);
  for (const [path, text] of Object.entries(entries)) await writer.add(path, text);
  files[`${name}.tar.gz`] = await writer.finish();
  const spec = parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name }, spec: {} }, 'b');
  const now = new Date();
  const count = Object.keys(entries).length;
  await put('resourceList', gzipSync(JSON.stringify({ 'v1/ConfigMap': Object.keys(entries).map((p) => p.split('/').slice(3).join('/').replace(/\.json$/, '')) })));
  await put('results', gzipSync(JSON.stringify({ errors: {}, warnings: {} })));
  await put('backup', JSON.stringify(buildVeleroBackup(spec, { phase: 'Completed', startedAt: now, completedAt: now, expiresAt: new Date(now.getTime() + 86_400_000),
    totalItems: count, itemsBackedUp: count, warnings: 0, errors: 0 }, { storageLocation: 'default' })));
  await store.put(layout.backupKey(name, 'manifest'), JSON.stringify(buildManifest(name, files, now)), { ifNoneMatch: '*' });
}
