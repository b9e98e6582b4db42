/**
 * Builds the mover of a storage location from its `volumeData` settings, for one cluster: the S3 credentials the
 * movers get are the ones Ferry's own S3 client resolves (the standard AWS chain).
 */
import type { Cluster } from '../kube/cluster.js';
import type { StorageLocation } from '../spec/config.js';
import type { BucketLayout } from '../store/layout.js';
import { createS3Client } from '../store/s3-store.js';
import { KubeJobMover } from './kube-job-mover.js';
import type { VolumeMover } from './mover.js';

/** The location's mover in `cluster`, or undefined when the location has no `volumeData` settings. */
export function openMover(location: StorageLocation, layout: BucketLayout, cluster: Cluster): VolumeMover | undefined {
  const settings = location.volumeData;
  if (!settings) return undefined;
  const client = createS3Client({ bucket: location.bucket, ...(location.region ? { region: location.region } : {}), ...(location.endpoint ? { endpoint: location.endpoint } : {}) });
  const endpoint = settings.moverEndpoint ?? location.endpoint;
  return new KubeJobMover(cluster, {
    image: settings.moverImage, bucket: location.bucket, layout, password: settings.repositoryPassword,
    ...(endpoint ? { endpoint } : {}), ...(location.region ? { region: location.region } : {}),
    ...(settings.moverHostNetwork ? { hostNetwork: true } : {}),
    ...(settings.moverTimeoutMs ? { timeoutMs: settings.moverTimeoutMs } : {}),
    ...(settings.moverRunAsUser !== undefined ? { runAsUser: settings.moverRunAsUser } : {}),
    // NOTE: in AWS this hands the movers the function's own credentials; a session scoped to the repository prefix
    // (STS with a session policy on <prefix>/kopia/<namespace>/*) is not made yet.
    credentials: async () => {
      const c = await client.config.credentials();
      return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) };
    },
  });
}

/** `{ volumeMover }` for a run's deps when the opened location moves volume data, else nothing. */
export function volumeMoverDeps(opened: { location: StorageLocation; layout: BucketLayout }, cluster: Cluster): { volumeMover?: VolumeMover } {
  const mover = openMover(opened.location, opened.layout, cluster);
  return mover ? { volumeMover: mover } : {};
}
