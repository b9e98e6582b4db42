// The seed article's migration on real clusters: the StatefulSet runs on the source's data-centre node (is_idc=true),
// each pod serving a page from its own volume; Ferry backs the namespace up and restores it with the seed's
// ApplicationRestore and modifier rules, and the pods run on the target's unlabelled node with the mapped image.
// Without the modifier rules the restored pods stay Pending, and the scheduler says why: the seed's claim, visible.
// The seed's `default` and `default1` are fresh namespaces here, so the test never meets a walk-through's objects.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../lib/backup/run-backup.js';
import { runRestore } from '../../lib/restore/run-restore.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import { parseRestoreSpec } from '../../lib/spec/restore-spec.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { createAll, inNamespace, seedDocuments, seedModifierConfigMap } from '../support/seed.js';
import { freshName, stackCluster, stackStore } from '../support/stack.js';
import { POD_TEST_TIMEOUT_MS, deleteNamespaces, fetchFromPod, volumeFolderOf, waitForAffinityVerdict, waitForRunning } from '../support/workloads.js';

const SEED_IMAGE = 'anolis-registry.cn-zhangjiakou.cr.aliyuncs.com/openanolis/nginx:1.14.1-8.6';
const MAPPED_IMAGE = 'registry.cn-beijing.aliyuncs.com/ferry-demo/nginx:1.14.1-8.6';
const layout = new BucketLayout('it-cluster-seed');
const store = stackStore();
const quietLog = { info: () => undefined, warn: () => undefined };
const source = stackCluster('source');
const target = stackCluster('target');
const app = freshName('seed-app');
const mapped = freshName('seed-app1');
const control = freshName('seed-control');
const csdr = freshName('seed-csdr');
const backupName = freshName('nginx-backup');

function seedRestoreSpec(name: string, into: string, withModifiers: boolean) {
  const doc = seedDocuments('restore.yaml')[0]!;
  const spec: Record<string, unknown> = { ...(doc.spec as Record<string, unknown>), backupName, namespaceMapping: { [app]: into } };
  if (!withModifiers) delete spec.resourceModifier;
  return parseRestoreSpec({ ...doc, metadata: { ...doc.metadata, name, namespace: csdr }, spec }, 'restore.yaml');
}

describe('the seed migration on clusters that run it', { timeout: POD_TEST_TIMEOUT_MS }, () => {
  beforeAll(async () => {
    await createAll(source, inNamespace(seedDocuments('app.yaml'), app));
    await createAll(target, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: csdr } }, seedModifierConfigMap(csdr, app)]);
  });
  afterAll(async () => {
    await Promise.all([deleteNamespaces(source, [app]), deleteNamespaces(target, [mapped, control, csdr])]);
  });

  it('runs web-0 and web-1 on the source\'s is_idc node, each serving a page from its own volume', async () => {
    const node = await source.read('v1', 'Node', 'source-node');
    expect(node?.metadata.labels).toMatchObject({ is_idc: 'true' });
    const pods = await waitForRunning(source, app, ['web-0', 'web-1']);
    for (const name of ['web-0', 'web-1']) {
      const pod = pods.get(name)!;
      expect(pod.nodeName).toBe('source-node');
      expect(pod.images).toEqual([SEED_IMAGE]);
      writeFileSync(join(await volumeFolderOf(source, app, `www-${name}`), 'index.html'), `${name} in the data centre\n`);
      expect(await fetchFromPod(pod.podIP!, '/index.html')).toEqual({ status: 200, body: `${name} in the data centre\n` });
    }
  });

  it('restores the namespace with the seed\'s rules: the pods run on the target\'s unlabelled node with the mapped image', async () => {
    const doc = seedDocuments('backup.yaml')[0]!;
    const backupSpec = parseBackupSpec({ ...doc, metadata: { ...doc.metadata, name: backupName }, spec: { ...(doc.spec as object), includedNamespaces: [app] } }, 'backup.yaml');
    const backup = await runBackup(backupSpec, { store, layout, cluster: source, clock: () => new Date() });
    expect(['Completed', 'PartiallyFailed']).toContain(backup.phase);

    const targetNode = await target.read('v1', 'Node', 'target-node');
    expect(targetNode?.metadata.labels?.is_idc).toBeUndefined();
    const name = freshName('nginx-restore');
    const result = await runRestore({ name, spec: seedRestoreSpec(name, mapped, true), dryRun: false },
      { store, layout, cluster: target, now: () => new Date(), log: quietLog });
    expect(result.counts.failed, JSON.stringify(result.results.errors)).toBe(0);

    const pods = await waitForRunning(target, mapped, ['web-0', 'web-1']);
    for (const pod of [pods.get('web-0')!, pods.get('web-1')!]) {
      expect(pod.nodeName).toBe('target-node');
      expect(pod.images).toEqual([MAPPED_IMAGE]);
      // The volume is provisioned anew in the target (its data crossing clusters is the volume-data issue's part).
      expect((await fetchFromPod(pod.podIP!, '/')).status).toBeGreaterThanOrEqual(200);
    }
  });

  it('leaves the restored pods Pending without the modifier rules, and the scheduler names node affinity', async () => {
    const name = freshName('nginx-control');
    const result = await runRestore({ name, spec: seedRestoreSpec(name, control, false), dryRun: false },
      { store, layout, cluster: target, now: () => new Date(), log: quietLog });
    expect(result.counts.failed, JSON.stringify(result.results.errors)).toBe(0);
    const pod = await waitForAffinityVerdict(target, control, 'web-0');
    expect(pod.unschedulable).toMatch(/^Unschedulable: 0\/1 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector/);
    expect(pod.phase).toBe('Pending');
  });
});
