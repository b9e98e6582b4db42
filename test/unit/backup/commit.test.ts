import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { commitManifest, finalPhase, resultsFile } from '../../../lib/backup/commit.js';
import { addMessage, emptyResults } from '../../../lib/model/results.js';
import { PreconditionFailedError } from '../../../lib/store/errors.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { manifestEntry } from '../../../lib/store/manifest.js';
import { MemoryStore } from '../../support/memory-store.js';

describe('the end of a backup', () => {
  const withWarning = emptyResults();
  addMessage(withWarning.warnings, 'default', 'a warning');
  const withError = emptyResults();
  addMessage(withError.errors, 'default', 'an error');

  it.each([
    ['a backup with no messages is Completed', emptyResults(), 'Completed'],
    ['a backup with warnings only is Completed', withWarning, 'Completed'],
    ['a backup with an error is PartiallyFailed', withError, 'PartiallyFailed'],
  ])('%s', (_name, results, phase) => {
    expect(finalPhase(results)).toBe(phase);
  });

  it('writes the errors and warnings as Velero\'s results file', () => {
    expect(JSON.parse(gunzipSync(resultsFile(withError)).toString('utf8'))).toEqual({ errors: withError.errors, warnings: withError.warnings });
  });

  it('commits the manifest once: a second writer is refused and the first manifest stays', async () => {
    const store = new MemoryStore();
    const layout = new BucketLayout('backups-here');
    const files = { 'b1.tar.gz': manifestEntry(Buffer.from('tarball')) };
    const key = await commitManifest(store, layout, 'b1', files, new Date('2026-01-10T06:30:00Z'));
    expect(key).toBe(layout.backupKey('b1', 'manifest'));
    const first = Buffer.from((await store.getBytes(key)).bytes).toString();
    await expect(commitManifest(store, layout, 'b1', {}, new Date())).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(Buffer.from((await store.getBytes(key)).bytes).toString()).toBe(first);
    expect(JSON.parse(first)).toMatchObject({ files });
  });
});
