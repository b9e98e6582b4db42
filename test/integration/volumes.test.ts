// Volume data on the real stack: CSI snapshots taken by runBackup and restored as new volumes by runRestore.
// There is no CSI driver and no snapshot controller locally: the snapshot CRDs are installed here, and this test
// plays the controller's part openly (it binds each VolumeSnapshot to a content with a handle and marks both ready).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { runBackup } from '../../lib/backup/run-backup.js';
import type { Cluster } from '../../lib/kube/cluster.js';
import { AlreadyExists } from '../../lib/kube/errors.js';
import type { KubeObject } from '../../lib/model/object.js';
import type { ItemOutcome } from '../../lib/restore/apply/outcome.js';
import { runRestore } from '../../lib/restore/run-restore.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import { parseRestoreSpec } from '../../lib/spec/restore-spec.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { createAll, seedDocuments } from '../support/seed.js';
import { freshName, kubeconfigPath, stackCluster, stackStore } from '../support/stack.js';
import { deleteNamespaces } from '../support/workloads.js';

const SNAP = 'snapshot.storage.k8s.io/v1';
const DRIVER = 'diskplugin.csi.alibabacloud.com';
const CLASS = 'ferry-it-disk';
const layout = new BucketLayout('it-volumes');
const store = stackStore();
const quietLog = { info: () => undefined, warn: () => undefined };
const crds = parseAllDocuments(readFileSync(resolve(import.meta.dirname, '../fixtures/crds/snapshot.storage.k8s.io.yaml'), 'utf8'))
  .map((d) => d.toJS() as KubeObject);

const ignoreExists = (err: unknown) => {
  if (!(err instanceof AlreadyExists)) throw err;
};

/** Installs the snapshot CRDs (idempotent) and waits until the plane serves the three kinds. */
async function installSnapshotApi(cluster: Cluster): Promise<void> {
  for (const crd of crds) await cluster.create(crd).catch(ignoreExists);
  await waitFor(async () => (await cluster.discover({ refresh: true })).resources.filter((r) => r.group === 'snapshot.storage.k8s.io').length === 3, 30_000);
}

/** A status-subresource merge patch, as a controller writes status (the cluster port writes objects, not status). */
function patchStatus(plane: 'source' | 'target', resource: string, name: string, namespace: string | undefined, status: unknown): void {
  execFileSync('kubectl', ['--kubeconfig', kubeconfigPath(plane), 'patch', resource, name, ...(namespace ? ['-n', namespace] : []),
    '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })], { stdio: 'pipe' });
}

/** A source namespace with claims bound (status patched, as the PV controller would) to the volumes given. */
async function claimsWithVolumes(cluster: Cluster, ns: string, claims: { name: string; volume: Record<string, unknown> }[]): Promise<void> {
  await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch(ignoreExists);
  for (const c of claims) {
    const pvName = `${ns}-${c.name}`;
    await cluster.create({
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: pvName },
      spec: { capacity: { storage: '20Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete',
        storageClassName: 'alicloud-disk-topology-alltype', claimRef: { namespace: ns, name: c.name }, ...c.volume },
    });
    await cluster.create({
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: c.name, namespace: ns, labels: { app: 'nginx' } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } }, storageClassName: 'alicloud-disk-topology-alltype', volumeName: pvName },
    });
    patchStatus('source', 'persistentvolumeclaim', c.name, ns, { phase: 'Bound', capacity: { storage: '20Gi' }, accessModes: ['ReadWriteOnce'] });
  }
}

/** Plays the snapshot controller in `ns` until stopped: every VolumeSnapshot gets a ready content with a handle. */
function snapshotController(cluster: Cluster, ns: string): { stop: () => Promise<void>; handled: string[] } {
  let running = true;
  const handled: string[] = [];
  const loop = (async () => {
    while (running) {
      const discovery = await cluster.discover();
      const resource = discovery.resources.find((r) => r.group === 'snapshot.storage.k8s.io' && r.kind === 'VolumeSnapshot')!;
      const { items } = await cluster.listPage(resource, { namespace: ns });
      for (const vs of items) {
        const name = vs.metadata.name!;
        if ((vs.status as { readyToUse?: boolean } | undefined)?.readyToUse || handled.includes(name)) continue;
        const spec = vs.spec as { volumeSnapshotClassName: string; source: { persistentVolumeClaimName: string } };
        const contentName = `snapcontent-${String(vs.metadata.uid)}`;
        await cluster.create({
          apiVersion: SNAP, kind: 'VolumeSnapshotContent', metadata: { name: contentName },
          spec: { deletionPolicy: 'Delete', driver: DRIVER, volumeSnapshotClassName: spec.volumeSnapshotClassName,
            source: { volumeHandle: `d-${ns}-${spec.source.persistentVolumeClaimName}` },
            volumeSnapshotRef: { apiVersion: SNAP, kind: 'VolumeSnapshot', namespace: ns, name, uid: vs.metadata.uid } },
        });
        patchStatus('source', 'volumesnapshotcontent', contentName, undefined, { readyToUse: true, snapshotHandle: `s-${ns}-${spec.source.persistentVolumeClaimName}`, restoreSize: 21474836480 });
        patchStatus('source', 'volumesnapshot', name, ns, { readyToUse: true, boundVolumeSnapshotContentName: contentName, restoreSize: '20Gi' });
        handled.push(name);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return { handled, stop: async () => { running = false; await loop; } };
}

async function backup(cluster: Cluster, ns: string, name: string, extra: Record<string, unknown> = {}) {
  const doc = seedDocuments('backup.yaml')[0]!;
  const spec = parseBackupSpec({ ...doc, metadata: { ...doc.metadata, name }, spec: { ...(doc.spec as object), includedNamespaces: [ns], ...extra } }, name);
  return runBackup(spec, { store, layout, cluster, clock: () => new Date(), log: quietLog });
}

/** Deletes what a restore created: its namespace (and so its claims, once no pod uses them) and its snapshot contents. */
async function removeRestored(cluster: Cluster, items: readonly ItemOutcome[], namespace: string): Promise<void> {
  await deleteNamespaces(cluster, [namespace]);
  const contents = items.filter((i) => i.status === 'created' && i.kind === 'VolumeSnapshotContent');
  for (const i of contents) await cluster.delete(i.apiVersion, i.kind, i.name);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('volume data on the real stack', () => {
  const source = stackCluster('source');
  const target = stackCluster('target');

  beforeAll(async () => {
    await installSnapshotApi(source);
    await installSnapshotApi(target);
    await source.create({ apiVersion: SNAP, kind: 'VolumeSnapshotClass', driver: DRIVER, deletionPolicy: 'Delete',
      metadata: { name: CLASS, annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } } }).catch(ignoreExists);
    await target.create({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: DRIVER }, spec: { attachRequired: true } }).catch(ignoreExists);
  });

  afterAll(() => {
    source.close();
    target.close();
  });

  it('the seed StatefulSet with two replicas: AppAndPvBackup snapshots www-web-0 and www-web-1, and the restore into another namespace provisions them from the snapshots', async () => {
    const ns = freshName('vol');
    const app = seedDocuments('app.yaml').map((o) => ({ ...o, metadata: { ...o.metadata, namespace: ns } }));
    await claimsWithVolumes(source, ns, ['www-web-0', 'www-web-1'].map((name) => ({ name, volume: { csi: { driver: DRIVER, volumeHandle: `d-${ns}-${name}` } } })));
    await createAll(source, app);
    const controller = snapshotController(source, ns);
    const backupName = freshName('vol-backup');
    const outcome = await backup(source, ns, backupName).finally(() => controller.stop());

    expect(outcome.phase).toBe('Completed');
    expect(outcome.results.warnings).toEqual({});
    expect(Object.keys(outcome.files)).toEqual(expect.arrayContaining([`${backupName}-csi-volumesnapshots.json.gz`,
      `${backupName}-csi-volumesnapshotcontents.json.gz`, `${backupName}-csi-volumesnapshotclasses.json.gz`]));
    expect(controller.handled).toHaveLength(2);
    for (const name of controller.handled) {
      expect(await source.read(SNAP, 'VolumeSnapshot', name, ns)).toBeUndefined();
    }
    const contentType = (await source.discover()).resources.find((r) => r.group === 'snapshot.storage.k8s.io' && r.kind === 'VolumeSnapshotContent')!;
    const contents = (await source.listPage(contentType, { labelSelector: `velero.io/backup-name=${backupName}` })).items;
    expect(contents.map((c) => (c.spec as { deletionPolicy: string }).deletionPolicy)).toEqual(['Retain', 'Retain']);

    // A namespace of its own: the seed's default1 may hold pods of another restore, which keep its claims.
    const into = freshName('vol-restored');
    const restoreName = freshName('vol-restore');
    const spec = parseRestoreSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name: restoreName },
      spec: { backupName, namespaceMapping: { [ns]: into }, storageClassMapping: { 'alicloud-disk-topology-alltype': 'alicloud-disk-essd' } } }, 'restore');
    const result = await runRestore({ name: restoreName, spec, dryRun: false }, { store, layout, cluster: target, now: () => new Date(), log: quietLog });
    onTestFinished(() => removeRestored(target, result.items, into));

    expect(result.items.filter((i) => i.status === 'failed')).toEqual([]);
    expect(result.skippedByTransform.filter((s) => s.kind === 'PersistentVolume').map((s) => s.name).sort()).toEqual([`${ns}-www-web-0`, `${ns}-www-web-1`]);
    for (const ordinal of [0, 1]) {
      const claim = await target.read('v1', 'PersistentVolumeClaim', `www-web-${ordinal}`, into) as KubeObject & { spec: Record<string, unknown> };
      const dataSource = claim.spec.dataSource as { apiGroup: string; kind: string; name: string };
      expect(dataSource).toMatchObject({ apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot' });
      expect(claim.spec.volumeName).toBeUndefined();
      expect(claim.spec.storageClassName).toBe('alicloud-disk-essd');
      expect(claim.metadata.labels).toMatchObject({ 'velero.io/restore-name': restoreName });
      const vs = await target.read(SNAP, 'VolumeSnapshot', dataSource.name, into) as KubeObject & { spec: { source: { volumeSnapshotContentName: string } } };
      const vsc = await target.read(SNAP, 'VolumeSnapshotContent', vs.spec.source.volumeSnapshotContentName);
      expect(vsc?.spec).toMatchObject({
        deletionPolicy: 'Retain', driver: DRIVER, source: { snapshotHandle: `s-${ns}-www-web-${ordinal}` },
        volumeSnapshotRef: { kind: 'VolumeSnapshot', namespace: into, name: dataSource.name },
      });
      expect(await target.read('v1', 'PersistentVolume', `${ns}-www-web-${ordinal}`)).toBeUndefined();
    }
    expect(await target.read('apps/v1', 'StatefulSet', 'web', into)).toBeDefined();
  });

  it('a snapshot that never becomes ready makes the backup PartiallyFailed with the reason, and its VolumeSnapshot is removed', async () => {
    const ns = freshName('vol-stuck');
    await claimsWithVolumes(source, ns, [{ name: 'data', volume: { csi: { driver: DRIVER, volumeHandle: `d-${ns}` } } }]);
    const outcome = await backup(source, ns, freshName('vol-stuck-backup'), { csiSnapshotTimeout: '3s' });
    expect(outcome.phase).toBe('PartiallyFailed');
    expect(outcome.results.errors.namespaces?.[ns]).toEqual([expect.stringMatching(
      new RegExp(`^PersistentVolumeClaim ${ns}/data: volume data not backed up: snapshot ${ns}/ferry-data-[0-9a-f]{8} of PersistentVolumeClaim data did not become ready within 3s \\(csiSnapshotTimeout\\)`))]);
    const resource = (await source.discover()).resources.find((r) => r.group === 'snapshot.storage.k8s.io' && r.kind === 'VolumeSnapshot')!;
    expect((await source.listPage(resource, { namespace: ns })).items).toEqual([]);
  });

  it('a claim on a non-CSI (hostPath) volume is backed up as a resource with a warning naming it, and no snapshot is taken', async () => {
    const ns = freshName('vol-host');
    await claimsWithVolumes(source, ns, [{ name: 'logs', volume: { hostPath: { path: '/var/log/app' } } }]);
    const outcome = await backup(source, ns, freshName('vol-host-backup'));
    expect(outcome.phase).toBe('Completed');
    expect(outcome.results.warnings.namespaces?.[ns]).toEqual([
      `PersistentVolumeClaim ${ns}/logs: its PersistentVolume ${ns}-logs is not a CSI volume (hostPath): its data is not backed up`,
    ]);
    expect(Object.keys(outcome.files).some((f) => f.includes('csi-'))).toBe(false);
    expect(outcome.byResource).toMatchObject({ persistentvolumeclaims: 1, persistentvolumes: 1 });
  });
  it('a PvBackup holds only the claims and volumes with their snapshots, and its restore recreates only the claims with their data', async () => {
    const ns = freshName('vol-pv');
    await claimsWithVolumes(source, ns, [{ name: 'data', volume: { csi: { driver: DRIVER, volumeHandle: `d-${ns}` } } }]);
    await createAll(source, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { a: 'b' } }]);
    const controller = snapshotController(source, ns);
    const backupName = freshName('vol-pv-backup');
    const outcome = await backup(source, ns, backupName, { backupType: 'PvBackup' }).finally(() => controller.stop());
    expect(outcome.phase).toBe('Completed');
    expect(outcome.byResource).toEqual({ persistentvolumeclaims: 1, persistentvolumes: 1 });

    const targetNs = freshName('vol-pv-target');
    const spec = parseRestoreSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name: 'r' },
      spec: { backupName, namespaceMapping: { [ns]: targetNs } } }, 'restore');
    const result = await runRestore({ name: freshName('vol-pv-restore'), spec, dryRun: false }, { store, layout, cluster: target, now: () => new Date(), log: quietLog });
    expect(result.items.filter((i) => i.kind !== 'Namespace').map((i) => `${i.kind}/${i.status}`).sort())
      .toEqual(['PersistentVolumeClaim/created', 'VolumeSnapshot/created', 'VolumeSnapshotContent/created']);
    expect(await target.read('v1', 'PersistentVolumeClaim', 'data', targetNs)).toMatchObject({ spec: { dataSource: { kind: 'VolumeSnapshot' } } });
    expect(await target.read('v1', 'ConfigMap', 'settings', targetNs)).toBeUndefined();
  });
});
