// Issue 19's hostile backup at its real size, through the index function on the real stack: 400 entries of 7 MiB
// at about 150:1 (19 MB in the bucket, under the 200:1 ratio cap), once with one item path repeated (the trial that
// was indexed Completed) and once with 400 paths (2.9 GB of tar, over the 2 GiB a restore may spill). Both are
// refused with their reason. The tarball is generated as it uploads (test/support/hostile-tarball.ts): nothing of
// it is held whole, here or in the index.
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createIndexHandler } from '../../functions/index.js';
import { readCatalogEntry } from '../../lib/catalog/catalog-entry.js';
import { DEFAULT_VALIDATION_LIMITS } from '../../lib/catalog/types.js';
import { hashingTap } from '../../lib/store/hashing-tap.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { backupObject, manifestFor, type BackupFiles } from '../support/backup-fixture.js';
import { stackRuntime } from '../support/catalog-stack.js';
import { loadEvent, retargetS3Event } from '../support/events.js';
import { hostileTarball } from '../support/hostile-tarball.js';
import { freshName, stackS3Location, stackStore } from '../support/stack.js';

const MiB = 1024 * 1024;
const prefix = freshName('hostile');
const layout = new BucketLayout(prefix);
const store = stackStore();
const handler = createIndexHandler(stackRuntime(prefix));

/**
 * Uploads a committed Ferry backup whose tarball is the hostile one: the tarball streams into the bucket while it
 * is hashed, then the small files, then ferry-manifest.json with the tarball's true size and sha256.
 */
async function putHostileBackup(name: string, samePath: boolean): Promise<{ compressed: number; tarBytes: number }> {
  const tarball = hostileTarball({ entries: 400, entryBytes: 7 * MiB, samePath });
  const { tap, bytes, digest } = hashingTap();
  const body = new PassThrough();
  const uploading = store.upload(layout.backupKey(name, 'tarball'), body, { contentType: 'application/gzip' });
  await pipeline(tarball.stream(), tap, body);
  await uploading;
  const small: BackupFiles = [
    [`${name}-resource-list.json.gz`, gzipSync(JSON.stringify({ 'v1/ConfigMap': ['default/big-000'] }))],
    [`${name}-results.gz`, gzipSync(JSON.stringify({ warnings: {}, errors: {} }))],
    ['velero-backup.json', Buffer.from(JSON.stringify(backupObject(name)))],
  ];
  for (const [file, bytes] of small) await store.put(`${layout.backupPrefix(name)}${file}`, bytes);
  // The manifest's entry for the tarball comes from the hash taken as it streamed; the fixture hashes the rest.
  const manifest = JSON.parse(manifestFor(name, small).toString('utf8')) as { files: Record<string, unknown> };
  manifest.files[`${name}.tar.gz`] = { size: bytes(), sha256: digest() };
  await store.put(layout.backupKey(name, 'manifest'), JSON.stringify(manifest));
  return { compressed: bytes(), tarBytes: tarball.tarBytes };
}

const committedEvent = (backup: string) =>
  retargetS3Event(loadEvent('s3-backup-committed'), { bucket: stackS3Location().bucket, prefix, backup });

describe('the index refuses issue 19\'s hostile backup at its real size', () => {
  it.each([
    {
      name: 'one item path repeated 400 times is Corrupt, naming the path, at its second copy',
      samePath: true, phase: 'Corrupt',
      problem: /^entry "resources\/configmaps\/namespaces\/default\/big-000\.json" appears more than once in the tarball$/,
    },
    {
      name: '400 distinct paths inflating to 2.9 GB is Invalid, as more than a restore may spill',
      samePath: false, phase: 'Invalid',
      problem: new RegExp(`^the tarball inflates to more than ${DEFAULT_VALIDATION_LIMITS.maxTotalBytes} bytes, more than a restore may spill to its ephemeral storage`),
    },
  ])('$name', async ({ samePath, phase, problem }) => {
    const name = freshName(samePath ? 'repeated' : 'distinct');
    const { compressed, tarBytes } = await putHostileBackup(name, samePath);
    // The trial's shape: about 19 MB stored, 400 x 7 MiB inflated, about 150:1, under the reader's 200:1 cap.
    expect(tarBytes).toBeGreaterThan(400 * 7 * MiB);
    expect(compressed).toBeGreaterThan(18 * MiB);
    expect(compressed).toBeLessThan(20 * MiB);
    expect(tarBytes / compressed).toBeGreaterThan(140);
    expect(tarBytes / compressed).toBeLessThan(DEFAULT_VALIDATION_LIMITS.maxCompressionRatio);

    const result = await handler(committedEvent(name), { awsRequestId: 'hostile', functionName: 'ferry-index' });
    expect(result).toEqual({ outcomes: [{ location: 'default', backup: name, action: 'written', phase, problems: [expect.stringMatching(problem)] }], ignored: 0 });
    const { entry } = await readCatalogEntry(store, layout, name);
    expect(entry).toMatchObject({ phase, verified: false });
    expect(entry?.problems).toEqual([expect.stringMatching(problem)]);
  });
});
