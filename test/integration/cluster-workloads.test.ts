// Restores into a cluster whose controllers run: a Deployment backed up with its ReplicaSet and pods comes back as
// one ReplicaSet and its pods (the restored ones adopted, as with Velero: owner references are not restored, the
// target's controllers adopt by label), the pods get service-account tokens from the target, and namespaces that
// are deleted really go away.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../lib/backup/run-backup.js';
import type { KubeObject } from '../../lib/model/object.js';
import { runRestore } from '../../lib/restore/run-restore.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import { parseRestoreSpec } from '../../lib/spec/restore-spec.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { createAll } from '../support/seed.js';
import { freshName, stackCluster, stackDir, stackStore } from '../support/stack.js';
import { POD_TEST_TIMEOUT_MS, deleteNamespaces, describePods, listOf, podsOf, type PodView, waitFor } from '../support/workloads.js';

const layout = new BucketLayout('it-cluster-workloads');
const store = stackStore();
const source = stackCluster('source');
const target = stackCluster('target');
const from = freshName('wl-src');
const into = freshName('wl-dst');

const deployment: KubeObject = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: from, labels: { app: 'web' } },
  spec: {
    replicas: 2, selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'ferry.local/web:1', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80 }] }] },
    },
  },
};

/** Pods of a namespace once `count` of them run and every one is Ready, with no pod left terminating. */
async function settledPods(cluster: typeof target, namespace: string, count: number): Promise<PodView[]> {
  let last = new Map<string, PodView>();
  return waitFor(`${count} settled pods in ${namespace}`, async () => {
    last = await podsOf(cluster, namespace);
    const pods = [...last.values()];
    return pods.length === count && pods.every((p) => p.phase === 'Running' && p.ready) ? pods : undefined;
  }, 240, () => describePods(last));
}

describe('restores into a cluster whose controllers run', { timeout: POD_TEST_TIMEOUT_MS }, () => {
  afterAll(async () => {
    await Promise.all([deleteNamespaces(source, [from]), deleteNamespaces(target, [into])]);
  });

  it('brings a Deployment back as one ReplicaSet whose pods run, the restored pods adopted, each with a token of the target', async () => {
    await createAll(source, [deployment]);
    const sourcePods = await settledPods(source, from, 2);
    const backupName = freshName('wl-backup');
    const spec = parseBackupSpec({ apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: backupName }, spec: { includedNamespaces: [from] } }, 'backup');
    const backup = await runBackup(spec, { store, layout, cluster: source, clock: () => new Date() });
    expect(backup.phase).toBe('Completed');
    expect(backup.byResource).toMatchObject({ 'deployments.apps': 1, 'replicasets.apps': 1, pods: 2 });

    const name = freshName('wl-restore');
    const restoreSpec = parseRestoreSpec({ apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name },
      spec: { backupName, namespaceMapping: { [from]: into } } }, 'restore');
    const result = await runRestore({ name, spec: restoreSpec, dryRun: false },
      { store, layout, cluster: target, now: () => new Date(), log: { info: () => undefined, warn: () => undefined } });
    expect(result.counts.failed, JSON.stringify(result.results.errors)).toBe(0);

    const pods = await settledPods(target, into, 2);
    const replicaSets = await waitFor('one ReplicaSet owned by the Deployment', async () => {
      const sets = await listOf(target, 'replicasets', into);
      return sets.length === 1 && (sets[0]!.metadata.ownerReferences as { kind: string }[] | undefined)?.[0]?.kind === 'Deployment' ? sets : undefined;
    });
    const rsName = replicaSets[0]!.metadata.name!;
    // The source's pods came back under their own names and were adopted: no second set was made beside them.
    expect(pods.map((p) => p.name).sort()).toEqual(sourcePods.map((p) => p.name).sort());
    for (const pod of pods) {
      expect(pod.owners).toEqual([`ReplicaSet/${rsName}`]);
      expect(pod.nodeName).toBe('target-node');
      expect(pod.volumes.some((v) => v.name.startsWith('kube-api-access-') && v.projected)).toBe(true);
    }
    const token = await projectedToken(pods[0]!.name);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string };
    expect(claims.sub).toBe(`system:serviceaccount:${into}:default`);
  });

  it('removes a deleted namespace and everything in it', async () => {
    const doomed = freshName('wl-doomed');
    await createAll(target, [{ ...deployment, metadata: { ...deployment.metadata, namespace: doomed } }]);
    await settledPods(target, doomed, 2);
    await deleteNamespaces(target, [doomed]);
    expect(await listOf(target, 'pods', doomed)).toEqual([]);
  });
});

/** The service-account token the target's kubelet wrote into a pod's projected volume, read from the node's folder. */
async function projectedToken(podName: string): Promise<string> {
  const pod = await target.read('v1', 'Pod', podName, into);
  const volume = ((pod!.spec as { volumes: { name: string }[] }).volumes).find((v) => v.name.startsWith('kube-api-access-'))!.name;
  const file = join(stackDir(), 'nodes', 'target', 'kubelet', 'pods', String(pod!.metadata.uid), 'volumes', 'kubernetes.io~projected', volume, 'token');
  return waitFor(`the token file of ${podName}`, async () => (existsSync(file) ? readFileSync(file, 'utf8') : undefined), 60);
}
