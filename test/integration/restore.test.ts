// The restore service against the real stack: backups made by runBackup from the source control plane,
// restored into the target control plane.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { KubeCluster, loadKubeConfig } from '../../lib/kube/kube-cluster.js';
import { runBackup } from '../../lib/backup/run-backup.js';
import type { Cluster } from '../../lib/kube/cluster.js';
import type { KubeObject } from '../../lib/model/object.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import { parseRestoreSpec } from '../../lib/spec/restore-spec.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { runRestore, type RestoreDeps } from '../../lib/restore/run-restore.js';
import { readResult } from '../../lib/restore/result-store.js';
import { indexBackup } from '../../lib/catalog/index-backup.js';
import { createAll, seedDocuments } from '../support/seed.js';
import { freshName, stackCluster, stackDir, stackStore } from '../support/stack.js';
import { waitForNamespaceDefaults } from '../support/workloads.js';

const layout = new BucketLayout('it-restore');
const store = stackStore();
const quietLog = { info: () => undefined, warn: () => undefined };

async function backupOf(cluster: Cluster, namespaces: string[], name: string, extra: Record<string, unknown> = {}) {
  const doc = seedDocuments('backup.yaml')[0]!;
  const spec = parseBackupSpec({ ...doc, metadata: { ...doc.metadata, name }, spec: { ...(doc.spec as object), includedNamespaces: namespaces, ...extra } }, name);
  const outcome = await runBackup(spec, { store, layout, cluster, clock: () => new Date() });
  expect(outcome.phase).toBe('Completed');
  return outcome;
}

function restoreSpec(backupName: string, spec: Record<string, unknown>) {
  return parseRestoreSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name: 'r' }, spec: { backupName, ...spec } }, 'restore');
}

function deps(target: Cluster, extra: Partial<RestoreDeps> = {}): RestoreDeps {
  return { store, layout, cluster: target, now: () => new Date(), log: quietLog, ...extra };
}

describe('restore on the real stack', () => {
  it('the seed scenario: the StatefulSet comes back in default1 with the mapped image and no node affinity', async () => {
    const source = stackCluster('source');
    const target = stackCluster('target');
    await createAll(source, seedDocuments('app.yaml'));
    await createAll(target, seedDocuments('modifier.yaml'));
    // The seed maps default to default1: clear what an earlier seed restore (a test or the demo) left there.
    await Promise.all([['apps/v1', 'StatefulSet', 'web'], ['v1', 'Service', 'nginx'], ['v1', 'ConfigMap', 'nginx-settings']]
      .map(([apiVersion, kind, name]) => target.delete(apiVersion!, kind!, name!, 'default1')));
    const backupName = freshName('nginx-backup');
    await backupOf(source, ['default'], backupName);

    const seedRestore = seedDocuments('restore.yaml')[0]!;
    const restoreName = freshName('nginx-restore');
    const spec = parseRestoreSpec({ ...seedRestore, metadata: { ...seedRestore.metadata, name: restoreName }, spec: { ...(seedRestore.spec as object), backupName } }, 'restore.yaml');
    const result = await runRestore({ name: restoreName, spec, dryRun: false }, deps(target));

    expect(result.phase).toBe('Completed');
    const sts = await target.read('apps/v1', 'StatefulSet', 'web', 'default1') as KubeObject & { spec: { template: { spec: { containers: { image: string }[]; affinity?: { nodeAffinity?: unknown } } } } };
    expect(sts.spec.template.spec.containers[0]!.image).toBe('registry.cn-beijing.aliyuncs.com/ferry-demo/nginx:1.14.1-8.6');
    expect(sts.spec.template.spec.affinity?.nodeAffinity).toBeUndefined();
    expect(sts.metadata.labels).toMatchObject({ app: 'nginx', 'velero.io/backup-name': backupName, 'velero.io/restore-name': restoreName });
    const svc = await target.read('v1', 'Service', 'nginx', 'default1') as KubeObject & { spec: { clusterIP?: string } };
    expect(svc.spec.clusterIP).toBe('None');
    expect(await target.read('v1', 'ConfigMap', 'nginx-settings', 'default1')).toMatchObject({ data: { worker_processes: '2' } });
    expect(await readResult(store, layout, restoreName)).toMatchObject({ phase: 'Completed', backup: backupName });
  });

  it('a custom resource is restored after its CRD is Established in the target', async () => {
    const source = stackCluster('source');
    const target = stackCluster('target');
    const group = `${freshName('g')}.example.com`;
    const ns = freshName('crd');
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `widgets.${group}` },
      spec: {
        group, scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
      },
    };
    await source.create(crd);
    await waitFor(async () => Boolean((await source.discover({ refresh: true })).resources.find((r) => r.group === group)));
    await createAll(source, [{ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace: ns }, spec: { size: 3 } }]);
    const backupName = freshName('crd-backup');
    await backupOf(source, [ns], backupName);

    const result = await runRestore({ name: freshName('crd-restore'), spec: restoreSpec(backupName, {}), dryRun: false }, deps(target));
    expect(result.items.filter((i) => i.status === 'failed')).toEqual([]);
    expect(await target.read(`${group}/v1`, 'Widget', 'w1', ns)).toMatchObject({ spec: { size: 3 } });
  });

  it('existing objects: policy none leaves a changed object with a warning, policy update puts it back', async () => {
    const source = stackCluster('source');
    const target = stackCluster('target');
    const ns = freshName('policy');
    await createAll(source, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { mode: 'backup' } }]);
    const backupName = freshName('policy-backup');
    await backupOf(source, [ns], backupName);
    const first = await runRestore({ name: freshName('p1'), spec: restoreSpec(backupName, {}), dryRun: false }, deps(target));
    expect(first.counts.created).toBeGreaterThanOrEqual(1);
    await target.patch({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns } }, { data: { mode: 'changed' } }, 'merge');

    const none = await runRestore({ name: freshName('p2'), spec: restoreSpec(backupName, {}), dryRun: false }, deps(target));
    expect(none.items.find((i) => i.name === 'settings')).toMatchObject({ status: 'skipped', warning: true });
    expect(await target.read('v1', 'ConfigMap', 'settings', ns)).toMatchObject({ data: { mode: 'changed' } });

    const update = await runRestore({ name: freshName('p3'), spec: restoreSpec(backupName, { existingResourcePolicy: 'update' }), dryRun: false }, deps(target));
    expect(update.items.find((i) => i.name === 'settings')).toMatchObject({ status: 'updated' });
    expect(await target.read('v1', 'ConfigMap', 'settings', ns)).toMatchObject({ data: { mode: 'backup' } });

    const again = await runRestore({ name: freshName('p4'), spec: restoreSpec(backupName, { existingResourcePolicy: 'update' }), dryRun: false }, deps(target));
    expect(again.items.find((i) => i.name === 'settings')).toMatchObject({ status: 'unchanged' });
  });

  it('a dry run validates every object on the server and writes nothing', async () => {
    const source = stackCluster('source');
    const target = stackCluster('target');
    const ns = freshName('dry');
    await createAll(source, [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'good', namespace: ns }, data: { a: 'b' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: ns }, stringData: { password: 'x' } },
    ]);
    // Its default ServiceAccount has a namesake in the stand-in namespace the dry run validates in.
    await waitForNamespaceDefaults(source, ns);
    const backupName = freshName('dry-backup');
    await backupOf(source, [ns], backupName);
    const result = await runRestore({ name: freshName('dry-restore'), spec: restoreSpec(backupName, {}), dryRun: true }, deps(target));
    expect(result.dryRun).toBe(true);
    expect(result.counts.failed).toBe(0);
    expect(result.items.map((i) => `${i.kind}/${i.name}`).sort()).toEqual(['ConfigMap/good', `Namespace/${ns}`, 'Secret/creds', 'ServiceAccount/default']);
    expect(result.items.every((i) => i.status === 'created')).toBe(true);
    expect(await target.read('v1', 'Namespace', ns)).toBeUndefined();
    expect(await target.read('v1', 'ConfigMap', 'good', ns)).toBeUndefined();
  });

  it('a restore that runs out of time checkpoints, and running it again finishes it without duplicates', async () => {
    const source = stackCluster('source');
    const target = stackCluster('target');
    const ns = freshName('resume');
    await createAll(source, Array.from({ length: 30 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: ns }, data: { i: String(i) } })));
    const backupName = freshName('resume-backup');
    await backupOf(source, [ns], backupName);
    const name = freshName('resume-restore');
    let budget = 12;
    const first = await runRestore({ name, spec: restoreSpec(backupName, {}), dryRun: false }, deps(target, {
      concurrency: 1, reserveMs: 1, remainingMs: () => (budget-- > 0 ? 60_000 : 0),
    }));
    expect(first.phase).toBe('InProgress');
    expect(first.counts.total).toBeLessThan(31);

    const second = await runRestore({ name, spec: restoreSpec(backupName, {}), dryRun: false }, deps(target));
    expect(second.phase).toBe('Completed');
    expect(second.invocations).toBe(2);
    const configMaps = second.items.filter((i) => i.kind === 'ConfigMap');
    expect(configMaps).toHaveLength(30);
    expect(configMaps.every((i) => i.status === 'created')).toBe(true);

    const third = await runRestore({ name, spec: restoreSpec(backupName, {}), dryRun: false }, deps(target));
    expect(third).toEqual(second);
  });

  it('a target that answers 429 gets every object in the end, after waiting as it asks', async () => {
    // A third control plane over the same etcd, allowed one request at a time: concurrent writes get 429.
    execFileSync('bash', ['scripts/stack/stack.sh', 'plane', 'throttled', '--enable-priority-and-fairness=false',
      '--max-requests-inflight=1', '--max-mutating-requests-inflight=1'], { stdio: 'inherit' });
    const throttled = new KubeCluster(loadKubeConfig(`${stackDir()}/throttled.kubeconfig`));
    const source = stackCluster('source');
    const ns = freshName('busy');
    await createAll(source, Array.from({ length: 40 }, (_, i) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `s-${i}`, namespace: ns }, stringData: { i: String(i) } })));
    const backupName = freshName('busy-backup');
    await backupOf(source, [ns], backupName);
    const result = await runRestore({ name: freshName('busy-restore'), spec: restoreSpec(backupName, {}), dryRun: false }, deps(throttled, { concurrency: 16 }));
    expect(result.counts.failed).toBe(0);
    expect(result.items.filter((i) => i.kind === 'Secret' && i.status === 'created')).toHaveLength(40);
    expect(throttled.stats.throttled).toBeGreaterThan(0);
    throttled.close();
  });

  it.each([
    ['a backup whose tarball was tampered with is refused before anything is applied', false],
    ['a backup tampered with after the index judged it is judged again and refused', true],
  ])('%s', async (_name, indexedFirst) => {
    const source = stackCluster('source');
    const target = stackCluster('target');
    const ns = freshName('tamper');
    await createAll(source, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: ns }, data: {} }]);
    const backupName = freshName('tamper-backup');
    await backupOf(source, [ns], backupName);
    if (indexedFirst) {
      const indexed = await indexBackup(backupName, { store, layout, now: () => new Date(), log: quietLog });
      expect(indexed).toMatchObject({ phase: 'Completed' });
    }
    const key = layout.backupKey(backupName, 'tarball');
    const { bytes } = await store.getBytes(key);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length >> 1]! ^= 0xff;
    await store.put(key, flipped);
    await expect(runRestore({ name: freshName('tamper-restore'), spec: restoreSpec(backupName, {}), dryRun: false }, deps(target)))
      .rejects.toThrow(/is Corrupt/);
    expect(await target.read('v1', 'Namespace', ns)).toBeUndefined();
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 200));
  }
}
