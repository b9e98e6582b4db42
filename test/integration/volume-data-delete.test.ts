// Deleting a backup with volume data on the real stack: two backups of one volume share its namespace's kopia
// repository. `ferry backups delete` (the real command, kopia from the local cache) keeps every file of a backup
// whose repository refuses the configured password and says so; with the right password it deletes the backup's
// snapshot before its files and leaves the other backup's. The functions' delete request does the same for the other
// backup, and the repository is left without snapshots.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpireHandler, type DeleteResponse } from '../../functions/expire.js';
import { createRuntime } from '../../functions/compose.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { ferry } from '../support/ferry-cli.js';
import { backUpOneVolume, stackMoverImage } from '../support/mover.js';
import { createAll } from '../support/seed.js';
import { freshName, stackCluster, stackEnv, stackStore } from '../support/stack.js';
import { repositorySnapshotIds } from '../support/volume-expiry.js';
import { deleteNamespaces, volumeFolderOf } from '../support/workloads.js';

const MIB = 1024 * 1024;
const PASSWORD = 'ferry-test-repository-password';
const prefix = freshName('it-volume-delete');
const layout = new BucketLayout(prefix);
const store = stackStore();
const source = stackCluster('source');
const app = freshName('vd-app');
const first = freshName('vd-first');
const second = freshName('vd-second');
const context = { awsRequestId: 'test', functionName: 'ferry-expire' };

/** The stack's default location under `prefix`, with volumeData settings and `password`. */
function location(password: string): Record<string, unknown> {
  const env = stackEnv();
  return {
    bucket: env.FERRY_S3_BUCKET, endpoint: env.FERRY_S3_ENDPOINT, region: 'us-east-1', forcePathStyle: true, prefix,
    volumeData: { repositoryPassword: password, moverImage: stackMoverImage(), moverHostNetwork: true },
  };
}

function backUp(name: string): Promise<string> {
  return backUpOneVolume({ store, layout, cluster: source }, app, name);
}

describe('deleting a backup with volume data on the real stack', () => {
  const ids: Record<string, string> = {};
  const folder = mkdtempSync(join(tmpdir(), 'ferry-volume-delete-'));
  const config = (password: string) => {
    const file = join(folder, `ferry-${password.length}.yaml`);
    writeFileSync(file, JSON.stringify({ apiVersion: 'ferry.dev/v1', kind: 'FerryConfig', storageLocations: { default: location(password) } }));
    return { FERRY_CONFIG: file };
  };

  beforeAll(async () => {
    await createAll(source, [{
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: app },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'ferry-local' },
    }]);
    const volume = await volumeFolderOf(source, app, 'data');
    writeFileSync(join(volume, 'a.bin'), randomBytes(2 * MIB));
    ids.first = await backUp(first);
    writeFileSync(join(volume, 'b.bin'), randomBytes(MIB));
    ids.second = await backUp(second);
    expect(await repositorySnapshotIds(layout, app)).toEqual([ids.first, ids.second].sort());
  });
  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await deleteNamespaces(source, [app]);
    for await (const o of store.list(`${prefix}/`)) await store.delete(o.key);
  });

  it('`ferry backups delete` keeps every file of a backup whose repository refuses the password, exits 1 and names the backup', async () => {
    const before: string[] = [];
    for await (const o of store.list(layout.backupPrefix(first))) before.push(o.key);
    const refused = await ferry(['backups', 'delete', first], { env: config('not-the-repository-password') });
    expect(refused.code, refused.err).toBe(1);
    expect(refused.out).toBe('');
    expect(refused.err).toBe(`ferry backups: backup ${first} not deleted: backup ${first}: the kopia repository of namespace ${app} (${layout.repositoryPrefix(app)}) `
      + 'refused the repository password (is volumeData.repositoryPassword the one it was created with?): the backup is kept whole\n');
    const after: string[] = [];
    for await (const o of store.list(layout.backupPrefix(first))) after.push(o.key);
    expect(after).toEqual(before);
    expect(await repositorySnapshotIds(layout, app)).toEqual([ids.first, ids.second].sort());
  });

  it('`ferry backups delete` deletes the backup\'s kopia snapshot before its files, and leaves the other backup\'s', async () => {
    const deleted = await ferry(['backups', 'delete', first], { env: config(PASSWORD) });
    expect(deleted.code, deleted.err).toBe(0);
    expect(deleted.out).toMatch(new RegExp(`^backup ${first} deleted \\(\\d+ objects, its catalog entry included; kopia 1 snapshot of its volume data deleted\\)\\n$`));
    expect(await store.head(layout.backupKey(first, 'manifest'))).toBeUndefined();
    expect(await repositorySnapshotIds(layout, app)).toEqual([ids.second]);
  });

  it('the functions\' delete request (Velero\'s DeleteBackupRequest) deletes the other backup\'s snapshot too, and says which', async () => {
    process.env.AWS_ACCESS_KEY_ID = stackEnv().AWS_ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = stackEnv().AWS_SECRET_ACCESS_KEY;
    const runtime = createRuntime({ FERRY_CONFIG_JSON: JSON.stringify({ storageLocations: { default: location(PASSWORD) } }), FERRY_LOG_LEVEL: 'info' }, { write: () => undefined });
    const response = await createExpireHandler(runtime)({ apiVersion: 'velero.io/v1', kind: 'DeleteBackupRequest', metadata: { name: `${second}-dbr`, namespace: 'velero' },
      spec: { backupName: second } }, context) as DeleteResponse;
    expect(response).toMatchObject({ backup: second, location: 'default', action: 'deleted', snapshots: [ids.second] });
    expect(await store.head(layout.backupKey(second, 'backup'))).toBeUndefined();
    expect(await repositorySnapshotIds(layout, app)).toEqual([]);
  });
});
