// Volume data in detail on the real stack: a tree of files (modes, owners, symlinks, empty folders, a large file)
// comes back byte for byte and mode for mode in another cluster; a mover that cannot run fails only its volume (the
// backup PartiallyFailed); a wrong repository password and tampered repository data fail the volume's restore with a
// clear reason while the rest of the restore completes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../lib/backup/run-backup.js';
import type { KubeObject } from '../../lib/model/object.js';
import { runRestore } from '../../lib/restore/run-restore.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import { parseRestoreSpec } from '../../lib/spec/restore-spec.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { parseVolumeData } from '../../lib/volumes/volume-data-record.js';
import { describeTree, writeTestTree } from '../support/file-tree.js';
import { stackMover } from '../support/mover.js';
import { createAll } from '../support/seed.js';
import { freshName, stackCluster, stackStore } from '../support/stack.js';
import { deleteNamespaces, volumeFolderOf, waitFor } from '../support/workloads.js';

// The "file of several hundred MB": 384 MiB of random bytes (kopia cannot compress or deduplicate them).
const LARGE = 384 * 1024 * 1024;
const layout = new BucketLayout('it-volume-tree');
const store = stackStore();
const source = stackCluster('source');
const target = stackCluster('target');
const app = freshName('vt-app');
const stranded = freshName('vt-stranded-pv');
const backupName = freshName('tree-backup');
const into = { ok: freshName('vt-ok'), password: freshName('vt-pw'), tampered: freshName('vt-tamper') };
const quiet = { info: () => undefined, warn: () => undefined };

const claim = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: app },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'ferry-local', ...extra },
});

function restoreSpec(name: string, namespace: string) {
  return parseRestoreSpec({
    apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name },
    spec: { backupName, namespaceMapping: { [app]: namespace } },
  }, 'restore.yaml');
}

async function restoreInto(namespace: string, password?: string) {
  const name = freshName('tree-restore');
  return runRestore({ name, spec: restoreSpec(name, namespace), dryRun: false }, {
    store, layout, cluster: target, now: () => new Date(), log: quiet, volumeMover: stackMover(target, layout, password),
  });
}

// The large file and the stranded claim's 90 s mover deadline need more than the suite's 120 s per test.
describe('volume data: a file tree, and the ways a move fails', { timeout: 300_000 }, () => {
  let sourceTree: Record<string, ReturnType<typeof describeTree>[string]>;

  beforeAll(async () => {
    await createAll(source, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: app } },
      // A volume pinned to a node that does not exist: its mover can never be scheduled.
      { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: stranded }, spec: {
        // Reserved for its claim: the PV controller would otherwise bind the other claim to it.
        claimRef: { namespace: app, name: 'stranded' },
        // A class no StorageClass names: no snapshot of it can be taken, its mover reads it live (and cannot be scheduled).
        capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'ferry-stranded',
        hostPath: { path: `/tmp/${stranded}`, type: 'DirectoryOrCreate' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['nowhere-node'] }] }] } },
      } },
      claim('tree'), claim('stranded', { volumeName: stranded, storageClassName: 'ferry-stranded' }),
    ]);
    const folder = await volumeFolderOf(source, app, 'tree');
    writeTestTree(folder, LARGE);
    sourceTree = describeTree(folder);
    await waitFor('claim stranded Bound', async () => ((await source.read('v1', 'PersistentVolumeClaim', 'stranded', app))?.status as { phase?: string })?.phase === 'Bound' || undefined, 60);
  });
  afterAll(async () => {
    await Promise.all([deleteNamespaces(source, [app]), deleteNamespaces(target, Object.values(into))]);
    await source.delete('v1', 'PersistentVolume', stranded);
  });

  it('backs up the tree; the claim whose mover cannot be scheduled fails alone with its reason, the backup PartiallyFailed', async () => {
    const spec = parseBackupSpec({
      apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: backupName },
      spec: { backupType: 'AppAndPvBackup', includedNamespaces: [app] },
    }, 'backup.yaml');
    const backup = await runBackup(spec, { store, layout, cluster: source, clock: () => new Date(), volumeMover: stackMover(source, layout, undefined, 90_000) });
    expect(backup.phase).toBe('PartiallyFailed');
    const errors = (backup.results.errors as { namespaces?: Record<string, string[]> }).namespaces?.[app] ?? [];
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^PersistentVolumeClaim ${app}/stranded: volume data not backed up: mover Job ${app}/ferry-mover-backup-\\w+: deadline failed: DeadlineExceeded`));
    const { bytes } = await store.getBytes(layout.backupKey(backupName, 'volumeData'));
    const record = parseVolumeData(Buffer.from(bytes).toString('utf8'));
    expect(record.volumes.map((v) => [v.claim, v.files, v.dirs, v.bytes > LARGE])).toEqual([['tree', 6, 6, true]]);
    expect(JSON.parse(Buffer.from(bytes).toString('utf8')).failed.map((f: { claim: string }) => f.claim)).toEqual(['stranded']);
  });

  it('restores every file of the tree into the target: contents, modes, owners, times, symlinks and empty folders', async () => {
    const result = await restoreInto(into.ok);
    expect(result.results.errors).toEqual({});
    expect(result.counts.failed).toBe(0);
    expect(describeTree(await volumeFolderOf(target, into.ok, 'tree'))).toEqual(sourceTree);
  });

  it('fails only the volume with a wrong repository password, naming the backup; the rest of the restore completes', async () => {
    const result = await restoreInto(into.password, 'not-the-repository-password');
    expect(result.counts.failed).toBe(0);
    expect(result.results.errors).toEqual({ namespaces: { [into.password]: [expect.stringMatching(
      new RegExp(`^PersistentVolumeClaim ${into.password}/tree: volume data not restored from snapshot \\w+: backup ${backupName}: the kopia repository of namespace ${app} refused the repository password$`))] } });
    expect(await target.read('v1', 'PersistentVolumeClaim', 'tree', into.password)).toBeDefined();
  });

  it('fails only the volume whose repository data was tampered with, with a clear reason', async () => {
    let tampered = 0;
    for await (const o of store.list(layout.repositoryPrefix(app))) {
      if (!o.key.slice(layout.repositoryPrefix(app).length).startsWith('p')) continue;
      const { bytes } = await store.getBytes(o.key);
      const copy = Buffer.from(bytes);
      for (let i = 64; i < copy.length; i += 4096) copy[i] = copy[i]! ^ 0xff;
      await store.put(o.key, copy);
      tampered++;
    }
    expect(tampered).toBeGreaterThan(0);
    const result = await restoreInto(into.tampered);
    expect(result.counts.failed).toBe(0);
    const errors = (result.results.errors as { namespaces?: Record<string, string[]> }).namespaces?.[into.tampered] ?? [];
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^PersistentVolumeClaim ${into.tampered}/tree: volume data not restored from snapshot \\w+: backup ${backupName}: the repository data of snapshot \\w+ failed its integrity check: `));
  });
});
