// Deleting a backup on the real stack: `ferry backups delete` in a bucket with S3 object lock leaves an object under
// legal hold and says so, then deletes once the hold is lifted; the functions' delete request (ACK's DeleteRequest,
// Velero's DeleteBackupRequest) does the same, frees a Failed backup's name, and refuses a backup that does not exist
// or is still being written, saying why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpireHandler, type DeleteResponse } from '../../functions/expire.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { buildBackup, putBackup } from '../support/backup-fixture.js';
import { stackRuntime } from '../support/catalog-stack.js';
import { ferry } from '../support/ferry-cli.js';
import { lockedBucket } from '../support/locked-bucket.js';
import { freshName, stackStore } from '../support/stack.js';

const layout = new BucketLayout('');
const context = { awsRequestId: 'test', functionName: 'ferry-expire' };

describe('deleting a backup on the real stack', () => {
  const { bucket: locked, store, hold, create, remove } = lockedBucket('ferry-del-lock');

  beforeAll(create);
  afterAll(remove);

  it('`ferry backups delete` leaves a backup whose manifest is under legal hold, naming it (exit 1), and deletes it once the hold is lifted', async () => {
    const name = freshName('held');
    await putBackup(store, layout, name, await buildBackup(name));
    const manifest = layout.backupKey(name, 'manifest');
    await hold(manifest, true);
    const env = { FERRY_S3_BUCKET: locked };

    const refused = await ferry(['backups', 'delete', name], { env });
    expect(refused.code, refused.err).toBe(1);
    expect(refused.out).toMatch(new RegExp(`^backup ${name} not deleted: its objects are under S3 retention or legal hold\\n  left ${manifest}: AccessDenied: .*\\n$`, 'i'));
    expect((await ferry(['backups', 'describe', name], { env })).out).toMatch(/Phase: +Completed/);

    await hold(manifest, false);
    const deleted = await ferry(['backups', 'delete', name], { env });
    expect(deleted.code, deleted.err).toBe(0);
    expect(deleted.out).toMatch(new RegExp(`^backup ${name} deleted \\(\\d+ objects, its catalog entry included\\)\\n$`));
    expect((await ferry(['backups', 'describe', name], { env })).err).toBe(`ferry backups: no backup named ${name} in default\n`);
  });

  it('the functions\' delete request (ACK\'s DeleteRequest) deletes a Failed backup, so that its name can be used again', async () => {
    const name = freshName('failed');
    await putBackup(stackStore(), layout, name, await buildBackup(name, { phase: 'Failed', manifest: false }));
    const handler = createExpireHandler(stackRuntime(''));
    const request = { apiVersion: 'csdr.alibabacloud.com/v1beta1', kind: 'DeleteRequest', metadata: { name: `${name}-dbr`, namespace: 'csdr' },
      spec: { deleteObjectName: name, deleteObjectType: 'Backup' } };
    const response = await handler(request, context) as DeleteResponse;
    expect(response).toMatchObject({ backup: name, location: 'default', action: 'deleted', protected: [] });
    expect(await stackStore().head(layout.backupKey(name, 'backup'))).toBeUndefined();
  });

  it('the functions\' delete request leaves a backup whose manifest is under legal hold, answering which object and S3\'s reason, and deletes it once the hold is lifted', async () => {
    const name = freshName('held-fn');
    await putBackup(store, layout, name, await buildBackup(name));
    const manifest = layout.backupKey(name, 'manifest');
    await hold(manifest, true);
    const runtime = stackRuntime('', { locked: { bucket: locked, prefix: '' } });
    const handler = createExpireHandler(runtime);
    const request = { apiVersion: 'velero.io/v1', kind: 'DeleteBackupRequest', metadata: { name: `${name}-dbr`, namespace: 'velero' },
      spec: { backupName: name, storageLocation: 'locked' } };

    const refused = await handler(request, context) as DeleteResponse;
    expect(refused).toMatchObject({ backup: name, location: 'locked', action: 'protected', keys: [], protected: [{ key: manifest, reason: expect.stringMatching(/AccessDenied/i) }] });
    expect(runtime.lines.join('\n')).toContain(`locked/${name}: protected`);
    expect(await store.head(manifest)).toBeDefined();
    expect((await ferry(['backups', 'describe', name], { env: { FERRY_S3_BUCKET: locked } })).out).toMatch(/Phase: +Completed/);

    await hold(manifest, false);
    expect(await handler(request, context)).toMatchObject({ backup: name, location: 'locked', action: 'deleted', protected: [] });
    expect(await store.head(manifest)).toBeUndefined();
  });

  it('the functions\' delete request refuses a backup that does not exist, and one still being written unless the request says force, each naming why', async () => {
    const runtime = stackRuntime('');
    const handler = createExpireHandler(runtime);
    const ask = (backup: string, force?: boolean) => handler({ apiVersion: 'csdr.alibabacloud.com/v1beta1', kind: 'DeleteRequest', metadata: { name: `${backup}-dbr`, namespace: 'csdr' },
      spec: { deleteObjectName: backup, deleteObjectType: 'Backup', ...(force ? { force } : {}) } }, context);

    const ghost = freshName('ghost');
    await expect(ask(ghost)).rejects.toThrow(`no backup named ${ghost} in storage location default`);
    expect(runtime.lines.join('\n')).toContain(`failed: NoSuchBackupError: no backup named ${ghost} in storage location default`);

    const writing = freshName('writing');
    const [, backupJson] = (await buildBackup(writing, { phase: 'InProgress' })).find(([f]) => f === 'velero-backup.json')!;
    await stackStore().put(layout.backupKey(writing, 'backup'), backupJson);
    await expect(ask(writing)).rejects.toThrow(`backup ${writing} is still in progress (velero-backup.json says phase InProgress); `
      + 'if its writer is gone (crashed or killed), delete it with "force": true in the request\'s spec');
    expect(await stackStore().head(layout.backupKey(writing, 'backup'))).toBeDefined();
    expect(await ask(writing, true)).toMatchObject({ backup: writing, action: 'deleted' });
    expect(await stackStore().head(layout.backupKey(writing, 'backup'))).toBeUndefined();
  });
});
