// Volume-data expiry on the local stack: kopia from the stack's cache, run on this machine against the stack's bucket,
// as the expire function runs it from its layer.
import { homedir } from 'node:os';
import type { BucketLayout } from '../../lib/store/layout.js';
import type { ObjectStore } from '../../lib/store/object-store.js';
import { KopiaVolumeDataExpiry } from '../../lib/volumes/expire-volume-data.js';
import { findKopia } from '../../lib/volumes/open-expiry.js';
import { RepositorySession } from '../../lib/volumes/repository-session.js';
import { stackS3Location } from './stack.js';

const kopia = () => findKopia({ home: homedir(), ...(process.env.FERRY_CACHE ? { cache: process.env.FERRY_CACHE } : {}) });

/** The expirer of the stack's bucket under `layout`, with `password` and a clock. */
export function stackExpiry(store: ObjectStore, layout: BucketLayout, now: () => Date, password = 'ferry-test-repository-password'): KopiaVolumeDataExpiry {
  const location = stackS3Location();
  return new KopiaVolumeDataExpiry({
    runner: kopia(), store, bucket: location.bucket, layout, endpoint: location.endpoint!, region: location.region ?? 'us-east-1',
    password, credentials: async () => location.credentials!, now,
  });
}

/** The IDs of the snapshots in a namespace's repository, read with kopia itself. */
export async function repositorySnapshotIds(layout: BucketLayout, namespace: string, password = 'ferry-test-repository-password'): Promise<string[]> {
  const location = stackS3Location();
  const url = new URL(location.endpoint!);
  const session = await RepositorySession.open({
    runner: kopia(), namespace, password, credentials: location.credentials!,
    location: { bucket: location.bucket, prefix: layout.repositoryPrefix(namespace), endpoint: url.host, disableTls: url.protocol === 'http:', region: location.region ?? 'us-east-1' },
  });
  try {
    return (await session.snapshots()).map((s) => s.id).sort();
  } finally {
    await session.close();
  }
}
