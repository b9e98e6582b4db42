// Deleting a backup on the real stack: `ferry backups delete` in a bucket with S3 object lock leaves an object under
// legal hold and says so, then deletes once the hold is lifted; the functions' delete request (ACK's DeleteRequest)
// frees a Failed backup's name.
import { afterAll, describe, expect, it } from 'vitest';
import { createExpireHandler, type DeleteResponse } from '../../functions/expire.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { buildBackup, putBackup } from '../support/backup-fixture.js';
import { stackRuntime } from '../support/catalog-stack.js';
import { ferry } from '../support/ferry-cli.js';
import { lockedBucket } from '../support/locked-bucket.js';
import { freshName, stackStore } from '../support/stack.js';

const layout = new BucketLayout('');

describe('deleting a backup on the real stack', () => {
  const { bucket: locked, store, hold, create, remove } = lockedBucket('ferry-del-lock');

  afterAll(remove);

  it('`ferry backups delete` leaves a backup whose manifest is under legal hold, naming it (exit 1), and deletes it once the hold is lifted', async () => {
    await create();
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
    const response = await handler(request, { awsRequestId: 'test', functionName: 'ferry-expire' }) as DeleteResponse;
    expect(response).toMatchObject({ backup: name, location: 'default', action: 'deleted', protected: [] });
    expect(await stackStore().head(layout.backupKey(name, 'backup'))).toBeUndefined();
  });
});
