/**
 * Builds the mover of a storage location from its `volumeData` settings, for one cluster: with `moverRoleArn`, each
 * mover gets an STS session of that role scoped to its repository (mover-credentials.ts); without, the credentials
 * Ferry's own S3 client resolves (the standard AWS chain; the local stack's keys).
 */
import type { Cluster } from '../kube/cluster.js';
import type { StorageLocation } from '../spec/config.js';
import type { BucketLayout } from '../store/layout.js';
import { createS3Client } from '../store/s3-store.js';
import { KubeJobMover } from './kube-job-mover.js';
import { stsMoverCredentials, type StsPort } from './mover-credentials.js';
import type { VolumeMover } from './mover.js';
import { SdkSts } from './sts-client.js';

/** The location's mover in `cluster`, or undefined when the location has no `volumeData` settings. */
export function openMover(location: StorageLocation, layout: BucketLayout, cluster: Cluster, sts?: StsPort): VolumeMover | undefined {
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
    ...(settings.moverResources ? { resources: settings.moverResources } : {}),
    credentials: settings.moverRoleArn
      ? stsMoverCredentials(sts ?? new SdkSts(), { roleArn: settings.moverRoleArn, bucket: location.bucket, moveTimeoutMs: settings.moverTimeoutMs ?? 30 * 60_000 })
      // Without a role (the local stack, which has no STS): the credentials Ferry's own S3 client uses.
      : async () => {
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
