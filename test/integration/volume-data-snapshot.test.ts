// Point-in-time copies on the real stack: the stack's provisioner is also the snapshotter of its volumes (a
// VolumeSnapshotClass for ferry.local/hostpath), so a backup's mover reads a clone of a fresh VolumeSnapshot of such a
// claim; a claim on a volume no snapshot class serves is read live. A file is written into each live volume at the
// moment the mover is about to read: the clone does not have it, the live claim does. Nothing of the snapshot is left.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../lib/backup/run-backup.js';
import type { Cluster } from '../../lib/kube/cluster.js';
import { KubeCluster } from '../../lib/kube/kube-cluster.js';
import type { KubeObject } from '../../lib/model/object.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import { parseDocuments } from '../../lib/spec/documents.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { MOVER_LABEL } from '../../lib/volumes/job-manifest.js';
import type { KubeJobMover } from '../../lib/volumes/kube-job-mover.js';
import { parseVolumeData } from '../../lib/volumes/volume-data-record.js';
import { stackMover } from '../support/mover.js';
import { applyFile, kubeconfigWithToken, requestToken } from '../support/role-token.js';
import { createAll } from '../support/seed.js';
import { freshName, stackCluster, stackDir, stackStore } from '../support/stack.js';
import { POD_TEST_TIMEOUT_MS, deleteNamespaces, listOf, volumeFolderOf, waitFor } from '../support/workloads.js';

const layout = new BucketLayout('it-volume-snapshot');
const store = stackStore();
const source = stackCluster('source');
const app = freshName('vs-app');
const staticVolume = freshName('vs-static-pv');
const staticClass = freshName('vs-static');
const staticFolder = join(stackDir(), 'nodes', 'source', freshName('static'));
const folders: Record<string, string> = {};
const moversBinding = freshName('vs-movers');

const claim = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: app },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'ferry-local', ...extra },
});

/** The cluster, writing `late.txt` into a claim's folder when an object matching the claim's rule is created. */
function writingLate(cluster: Cluster, rules: Record<string, (o: KubeObject) => boolean>): Cluster {
  return new Proxy(cluster, {
    get(target, prop) {
      if (prop === 'create') {
        return async (o: KubeObject) => {
          for (const [claim, when] of Object.entries(rules)) {
            if (when(o)) writeFileSync(join(folders[claim]!, 'late.txt'), 'written just before the mover reads\n');
          }
          return target.create(o);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function backup(name: string, mover: KubeJobMover, cluster: Cluster = source) {
  const spec = parseBackupSpec({
    apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name },
    // Only core kinds: custom resources other tests leave are outside backup-reader.yaml's groups.
    spec: { backupType: 'AppAndPvBackup', includedNamespaces: [app], includedResources: ['persistentvolumeclaims', 'persistentvolumes', 'pods'] },
  }, 'backup.yaml');
  const outcome = await runBackup(spec, { store, layout, cluster, clock: () => new Date(), volumeMover: mover });
  const { bytes } = await store.getBytes(layout.backupKey(name, 'volumeData'));
  return { outcome, record: JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>, volumes: parseVolumeData(Buffer.from(bytes).toString('utf8')).volumes };
}

/** The provisioner's snapshot copies on the source's node that no VolumeSnapshotContent names. */
async function strayCopies(): Promise<string[]> {
  const dir = join(stackDir(), 'nodes', 'source', 'volumes', 'snapshots');
  const contents = new Set((await listOf(source, 'volumesnapshotcontents')).map((o) => o.metadata.name));
  return existsSync(dir) ? readdirSync(dir).filter((f) => !contents.has(f)).map((f) => `folder/${f}`) : [];
}

/** What snapshots left (VolumeSnapshots, claims other than the app's, their contents and copies, Jobs), once settled. */
async function snapshotLeftovers(): Promise<string[]> {
  let found: string[] = [];
  await waitFor('no snapshot leftovers', async () => {
    const snapshots = (await listOf(source, 'volumesnapshots', app)).map((o) => `volumesnapshot/${o.metadata.name}`);
    const claims = (await listOf(source, 'persistentvolumeclaims', app)).filter((o) => !['hot', 'cold'].includes(o.metadata.name ?? ''))
      .map((o) => `claim/${o.metadata.name}`);
    const contents = (await listOf(source, 'volumesnapshotcontents'))
      .filter((o) => (o.spec as { volumeSnapshotRef?: { namespace?: string } }).volumeSnapshotRef?.namespace === app).map((o) => `content/${o.metadata.name}`);
    const jobs = (await listOf(source, 'jobs', app, MOVER_LABEL)).map((o) => `job/${o.metadata.name}`);
    found = [...snapshots, ...claims, ...contents, ...jobs, ...await strayCopies()];
    return found.length === 0 ? true : undefined;
  }, 90, () => found.join(', ')).catch(() => undefined);
  return found;
}

describe('point-in-time copies of volumes a driver can snapshot', { timeout: POD_TEST_TIMEOUT_MS }, () => {
  beforeAll(async () => {
    mkdirSync(staticFolder, { recursive: true });
    await createAll(source, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: app } },
      // A volume made by hand in a class of static volumes (no VolumeSnapshotClass for its provisioner), on the source's node.
      { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: staticClass }, provisioner: 'kubernetes.io/no-provisioner' },
      { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: staticVolume }, spec: {
        claimRef: { namespace: app, name: 'cold' }, capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain', storageClassName: staticClass,
        hostPath: { path: staticFolder, type: 'DirectoryOrCreate' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['source-node'] }] }] } },
      } },
      claim('hot'), claim('cold', { storageClassName: staticClass, volumeName: staticVolume }),
    ]);
    for (const name of ['hot', 'cold']) {
      folders[name] = await volumeFolderOf(source, app, name);
      for (let i = 0; i < 3; i++) writeFileSync(join(folders[name], `page-${i}.html`), `${name} ${i}\n`);
    }
  });
  afterAll(async () => {
    await deleteNamespaces(source, [app]);
    await source.delete('v1', 'PersistentVolume', staticVolume).catch(() => undefined);
    await source.delete('storage.k8s.io/v1', 'StorageClass', staticClass).catch(() => undefined);
    rmSync(staticFolder, { recursive: true, force: true });
    await source.delete('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', moversBinding).catch(() => undefined);
  });

  it('moves a claim whose class can snapshot from a clone (a file written after the snapshot is not in it) and the other live', async () => {
    // The late file goes into `hot` when its clone claim is created (the snapshot is ready then, and no mover has
    // started), and into `cold` when its mover Job is created.
    const mounts = (o: KubeObject, claim: string) => JSON.stringify(o.spec).includes(`"claimName":"${claim}"`);
    const cluster = writingLate(source, {
      hot: (o) => o.kind === 'PersistentVolumeClaim' && Boolean((o.spec as { dataSource?: unknown }).dataSource),
      cold: (o) => o.kind === 'Job' && mounts(o, 'cold'),
    });
    const name = freshName('vs-backup');
    const { outcome, record, volumes } = await backup(name, stackMover(cluster, layout));
    expect(outcome.phase, JSON.stringify(outcome.results)).toBe('Completed');
    const byClaim = Object.fromEntries(volumes.map((v) => [v.claim, { source: v.source, files: v.files }]));
    expect(byClaim).toEqual({ hot: { source: 'snapshot', files: 3 }, cold: { source: 'live', files: 4 } });
    expect((record.volumes as { claim: string; liveReason?: string }[]).find((v) => v.claim === 'cold')?.liveReason)
      .toBe('no VolumeSnapshotClass for driver kubernetes.io/no-provisioner');
    expect(outcome.results.warnings).toEqual({ namespaces: { [app]: [
      `PersistentVolumeClaim ${app}/cold: data read from the live claim, not a point-in-time copy: no VolumeSnapshotClass for driver kubernetes.io/no-provisioner`,
    ] } });
    expect(await snapshotLeftovers()).toEqual([]);
  });

  it('does the same with only the RBAC of deploy/rbac: backup-reader.yaml and volume-movers.yaml', async () => {
    await applyFile(source, 'deploy/rbac/backup-reader.yaml');
    // Only the role of volume-movers.yaml: its binding of the ferry:backup group would outlive the test (serverless-rbac
    // asks what that group may do); the backup's ServiceAccount, whose token the stack can issue, gets the role here.
    const role = parseDocuments(readFileSync('deploy/rbac/volume-movers.yaml', 'utf8'), 'volume-movers.yaml').map((d) => d.value as KubeObject).find((o) => o.kind === 'ClusterRole')!;
    await source.create(role).catch(async () => source.patch(role, role, 'merge'));
    await createAll(source, [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: moversBinding },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'ferry-volume-movers' },
      subjects: [{ kind: 'ServiceAccount', name: 'ferry-backup', namespace: 'ferry' }] } as KubeObject]);
    const restricted = new KubeCluster(kubeconfigWithToken('source', await requestToken('source', 'ferry', 'ferry-backup')));
    try {
      const { outcome, volumes } = await backup(freshName('vs-rbac'), stackMover(restricted, layout), restricted);
      expect(outcome.phase, JSON.stringify(outcome.results)).toBe('Completed');
      expect(volumes.map((v) => [v.claim, v.source])).toEqual([['cold', 'live'], ['hot', 'snapshot']]);
    } finally {
      restricted.close();
    }
    expect(await snapshotLeftovers()).toEqual([]);
  });

  it('leaves no VolumeSnapshot, clone claim or content behind when the mover fails', async () => {
    const broken = stackMover(source, layout, undefined, undefined, 'ferry.local/no-such-mover:1');
    const { outcome, volumes } = await backup(freshName('vs-failing'), broken);
    expect(outcome.phase).toBe('PartiallyFailed');
    expect(volumes).toEqual([]);
    const errors = outcome.results.errors.namespaces?.[app] ?? [];
    expect(errors).toEqual([
      expect.stringMatching(new RegExp(`^PersistentVolumeClaim ${app}/cold: volume data not backed up: mover Job ${app}/ferry-mover-backup-\\w+: start failed: ErrImage`)),
      expect.stringMatching(new RegExp(`^PersistentVolumeClaim ${app}/hot: volume data not backed up: mover Job ${app}/ferry-mover-backup-\\w+: start failed: ErrImage`)),
    ]);
    expect(await snapshotLeftovers()).toEqual([]);
  });
});
