// Incremental volume backups on the real stack, measured in the bucket: what a backup adds under the namespace's
// kopia repository. A second backup of an unchanged volume adds under 5% of its size; a backup after one file of it
// changed adds little more than that file.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../lib/backup/run-backup.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { stackMover } from '../support/mover.js';
import { createAll } from '../support/seed.js';
import { freshName, stackCluster, stackStore } from '../support/stack.js';
import { deleteNamespaces, volumeFolderOf } from '../support/workloads.js';

const MIB = 1024 * 1024;
const layout = new BucketLayout('it-volume-incremental');
const store = stackStore();
const source = stackCluster('source');
const app = freshName('vi-app');
let folder = '';

/** Bytes the namespace's repository holds in the bucket. */
async function repositoryBytes(): Promise<number> {
  let total = 0;
  for await (const o of store.list(layout.repositoryPrefix(app))) total += o.size;
  return total;
}

/** Backs the namespace up under a fresh name; returns the bytes the repository grew by. */
async function backupAdds(): Promise<number> {
  const before = await repositoryBytes();
  const spec = parseBackupSpec({
    apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: freshName('inc-backup') },
    spec: { backupType: 'AppAndPvBackup', includedNamespaces: [app] },
  }, 'backup.yaml');
  const outcome = await runBackup(spec, { store, layout, cluster: source, clock: () => new Date(), volumeMover: stackMover(source, layout) });
  expect(outcome.phase, JSON.stringify(outcome.results.errors)).toBe('Completed');
  return (await repositoryBytes()) - before;
}

describe('incremental volume backups', () => {
  const sizes: Record<string, number> = {};
  beforeAll(async () => {
    await createAll(source, [{
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: app },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'ferry-local' },
    }]);
    folder = await volumeFolderOf(source, app, 'data');
    for (let i = 0; i < 16; i++) writeFileSync(join(folder, `part-${i}.bin`), randomBytes(4 * MIB));
  });
  afterAll(async () => {
    await deleteNamespaces(source, [app]);
    console.log(`incremental volume backups of 64 MiB: ${JSON.stringify(sizes)} bytes added to the repository`);
  });

  it('uploads the whole volume the first time (it does not compress random bytes)', async () => {
    sizes.first = await backupAdds();
    expect(sizes.first).toBeGreaterThan(64 * MIB);
  });

  it('uploads under 5% of the volume when nothing changed', async () => {
    sizes.unchanged = await backupAdds();
    expect(sizes.unchanged).toBeLessThan(0.05 * 64 * MIB);
  });

  it('uploads little more than the one file that changed', async () => {
    writeFileSync(join(folder, 'part-3.bin'), randomBytes(4 * MIB));
    sizes.oneFileChanged = await backupAdds();
    expect(sizes.oneFileChanged).toBeGreaterThan(4 * MIB);
    expect(sizes.oneFileChanged).toBeLessThan(4 * MIB + 0.05 * 64 * MIB);
  });
});
