/**
 * Builds the volume-data expirer of a storage location from its `volumeData` settings: kopia runs where Ferry runs
 * (the expire function's own copy, $LAMBDA_TASK_ROOT/bin/kopia; FERRY_KOPIA; or the local cache's build) with the S3 credentials
 * Ferry's own S3 client resolves and the location's endpoint as this process reaches it.
 */
import { existsSync } from 'node:fs';
import type { VolumeDataExpirer } from '../catalog/volume-data-expiry.js';
import type { StorageLocation } from '../spec/config.js';
import type { BucketLayout } from '../store/layout.js';
import type { ObjectStore } from '../store/object-store.js';
import { createS3Client } from '../store/s3-store.js';
import { KopiaVolumeDataExpiry } from './expire-volume-data.js';
import { kopiaCandidates, LocalKopia, type KopiaRun, type KopiaRunner, type KopiaSearch } from './kopia-runner.js';

/** A runner for a machine without kopia: every command fails with where kopia was looked for. */
class NoKopia implements KopiaRunner {
  constructor(private readonly tried: string[]) {}

  async run(): Promise<KopiaRun> {
    return { code: 127, stdout: '', stderr: `error: no kopia binary at ${this.tried.join(' or ')} (build the expire function with scripts/build/functions.ts, which adds it, or set FERRY_KOPIA)` };
  }
}

/** The runner of the first kopia binary found, or one that says where none was found. */
export function findKopia(search: KopiaSearch, exists: (path: string) => boolean = existsSync): KopiaRunner {
  const candidates = kopiaCandidates(search);
  const found = candidates.find(exists);
  return found ? new LocalKopia(found) : new NoKopia(candidates);
}

/** The kopia of an environment: FERRY_KOPIA, the function's $LAMBDA_TASK_ROOT/bin/kopia, or the local cache's build (FERRY_CACHE or ~/.cache/ferry). */
export function kopiaFromEnv(env: Record<string, string | undefined>): KopiaRunner {
  return findKopia({ ...(env.FERRY_KOPIA ? { explicit: env.FERRY_KOPIA } : {}), ...(env.LAMBDA_TASK_ROOT ? { taskRoot: env.LAMBDA_TASK_ROOT } : {}),
    ...(env.HOME ? { home: env.HOME } : {}), ...(env.FERRY_CACHE ? { cache: env.FERRY_CACHE } : {}) });
}

/** The location's expirer, or undefined when the location moves no volume data. */
export function openVolumeDataExpiry(input: { location: StorageLocation; layout: BucketLayout; store: ObjectStore; now: () => Date; kopia: KopiaRunner }): VolumeDataExpirer | undefined {
  const { location } = input;
  const settings = location.volumeData;
  if (!settings) return undefined;
  const client = createS3Client({ bucket: location.bucket, ...(location.region ? { region: location.region } : {}), ...(location.endpoint ? { endpoint: location.endpoint } : {}) });
  return new KopiaVolumeDataExpiry({
    runner: input.kopia, store: input.store, bucket: location.bucket, layout: input.layout, password: settings.repositoryPassword, now: input.now,
    ...(location.endpoint ? { endpoint: location.endpoint } : {}), ...(location.region ? { region: location.region } : {}),
    credentials: async () => {
      const c = await client.config.credentials();
      return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) };
    },
  });
}
