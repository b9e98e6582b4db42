// The volume mover on the local stack: the mover image the stack imported into its nodes, and a KubeJobMover whose
// pods share their node's network (the stack has no kube-proxy or DNS; its S3 server listens on the machine's loopback).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '../../lib/kube/cluster.js';
import type { BucketLayout } from '../../lib/store/layout.js';
import { KubeJobMover } from '../../lib/volumes/kube-job-mover.js';
import { stackDir, stackS3Location } from './stack.js';

/** The mover image's name, as node.sh wrote it (`ferry.local/mover:<hash>`). */
export function stackMoverImage(): string {
  return readFileSync(join(stackDir(), 'mover.image'), 'utf8').trim();
}

/** A mover in one of the stack's clusters, writing to the stack's bucket under `layout`'s prefix. */
export function stackMover(cluster: Cluster, layout: BucketLayout, password = 'ferry-test-repository-password', timeoutMs = 5 * 60_000,
  image = stackMoverImage()): KubeJobMover {
  const location = stackS3Location();
  return new KubeJobMover(cluster, {
    image, bucket: location.bucket, layout, endpoint: location.endpoint!, region: location.region ?? 'us-east-1',
    password, credentials: async () => location.credentials!, hostNetwork: true, timeoutMs,
  });
}
