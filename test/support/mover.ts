// The volume mover on the local stack: the mover image the stack imported into its nodes, and a KubeJobMover whose
// pods share their node's network (the stack has no kube-proxy or DNS; its S3 server listens on the machine's loopback).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runBackup } from '../../lib/backup/run-backup.js';
import type { Cluster } from '../../lib/kube/cluster.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import type { BucketLayout } from '../../lib/store/layout.js';
import type { ObjectStore } from '../../lib/store/object-store.js';
import { KubeJobMover } from '../../lib/volumes/kube-job-mover.js';
import { parseVolumeData } from '../../lib/volumes/volume-data-record.js';
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

/**
 * Backs up `namespace` (one claim) with its volume data moved by the stack's mover, expects Completed and one volume,
 * and returns that volume's kopia snapshot ID.
 */
export async function backUpOneVolume(deps: { store: ObjectStore; layout: BucketLayout; cluster: Cluster }, namespace: string, name: string,
  ttl?: string): Promise<string> {
  const spec = parseBackupSpec({
    apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name },
    spec: { backupType: 'AppAndPvBackup', includedNamespaces: [namespace], ...(ttl ? { ttl } : {}) },
  }, 'backup.yaml');
  const { store, layout, cluster } = deps;
  const outcome = await runBackup(spec, { store, layout, cluster, clock: () => new Date(), volumeMover: stackMover(cluster, layout) });
  expect(outcome.phase, JSON.stringify(outcome.results.errors)).toBe('Completed');
  const record = parseVolumeData(Buffer.from((await store.getBytes(layout.backupKey(name, 'volumeData'))).bytes).toString('utf8'));
  expect(record.volumes).toHaveLength(1);
  return record.volumes[0]!.snapshotId;
}
