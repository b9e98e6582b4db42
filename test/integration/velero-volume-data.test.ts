// Volume data between Velero v1.18.1 and Ferry, both ways, on the real stack. Velero runs in both planes with its
// node-agent (test/support/velero-in-cluster.ts), over the same bucket prefix as Ferry, whose volumeData password is
// Velero's default repository password: the namespaces' kopia repositories under `<prefix>/kopia/<ns>/` are shared.
// - A Velero fs-backup (kopia) of a pod's claim, restored by Ferry into another cluster: Ferry reads Velero's
//   PodVolumeBackups and fills the new claim with its mover.
// - A Ferry backup with volume data, restored by `velero restore`: Ferry's PodVolumeBackup records let Velero's
//   node-agent fill the restored pod's volume.
// Both compare every entry of a file tree (modes, owners, times, symlinks, empty folders) between source and target.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../lib/backup/run-backup.js';
import type { KubeObject } from '../../lib/model/object.js';
import { runRestore } from '../../lib/restore/run-restore.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import { parseRestoreSpec } from '../../lib/spec/restore-spec.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { loadVeleroPodVolumes } from '../../lib/volumes/velero-pod-volumes.js';
import { describeTree, writeTestTree } from '../support/file-tree.js';
import { stackMover } from '../support/mover.js';
import { createAll } from '../support/seed.js';
import { freshName, stackCluster, stackDir, stackEnv, stackStore } from '../support/stack.js';
import { velero, veleroBinaries, type VeleroSetup } from '../support/velero.js';
import { importVeleroImages, installVeleroInCluster, routePodsToLoopback, uninstallVelero, VELERO_DEFAULT_REPOSITORY_PASSWORD } from '../support/velero-in-cluster.js';
import { deleteNamespaces, listOf, volumeFolderOf, waitFor, waitForRunning } from '../support/workloads.js';

const MINUTE = 60_000;
const prefix = freshName('vfs');
const layout = new BucketLayout(prefix);
const store = stackStore();
const source = stackCluster('source');
const target = stackCluster('target');
const quiet = { info: () => undefined, warn: () => undefined };
const ns = { veleroSource: freshName('velero-fs'), veleroTarget: freshName('velero-fs'), a: freshName('vfs-a'), aTarget: freshName('vfs-a2'), b: freshName('vfs-b'), bTarget: freshName('vfs-b2') };
const localClass = freshName('vfs-local');
const pvs = { source: freshName('vfs-src'), target: freshName('vfs-dst') };
const folders = { source: join(stackDir(), 'nodes/source/volumes', pvs.source), target: join(stackDir(), 'nodes/target/volumes', pvs.target) };
const removeRoutes: (() => void)[] = [];
let veleroSource: VeleroSetup;
let install: (plane: 'source' | 'target') => Promise<VeleroSetup>;

/** A `local` volume (Velero backs up and restores a pod's volume through the kubelet's mount of it, which hostPath volumes do not have). */
function localVolume(name: string, node: string, path: string, extra: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
    spec: {
      capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], local: { path }, ...extra,
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
    },
  };
}

/** A pod serving its claim (busybox httpd: it reads the volume, never writes it). */
function webPod(namespace: string, name: string, claim: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace },
    spec: { containers: [{ name: 'web', image: 'ferry.local/web:1', volumeMounts: [{ name: 'html', mountPath: '/usr/share/nginx/html' }] }],
      volumes: [{ name: 'html', persistentVolumeClaim: { claimName: claim } }] },
  };
}

const phaseOf = (o: unknown) => ((o as { status?: { phase?: string } }).status?.phase);

/** `velero <what> get <name> -o json` in a setup, once its phase is final. */
async function finished(setup: VeleroSetup, what: 'backup' | 'restore', name: string): Promise<Record<string, unknown>> {
  return waitFor(`Velero ${what} ${name} finished`, async () => {
    const object = JSON.parse((await velero(setup, [what, 'get', name, '-o', 'json']).catch(() => ({ out: '{}' }))).out) as Record<string, unknown>;
    return ['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation'].includes(phaseOf(object) ?? '') ? object : undefined;
  }, 600);
}

/** The tree of a folder without Velero's own marker folder (`.velero/<restore UID>`, left by its restore helper). */
function treeWithoutVeleroMarker(folder: string): ReturnType<typeof describeTree> {
  return Object.fromEntries(Object.entries(describeTree(folder)).filter(([path]) => path !== '.velero' && !path.startsWith('.velero/')));
}

describe('volume data between Velero and Ferry', { timeout: 20 * MINUTE }, () => {
  beforeAll(async () => {
    Object.assign(process.env, stackEnv());
    const binaries = veleroBinaries();
    const env = stackEnv();
    const credentialsFile = join(mkdtempSync(join(tmpdir(), 'ferry-velero-fs-')), 'credentials');
    writeFileSync(credentialsFile, `[default]\naws_access_key_id=${env.AWS_ACCESS_KEY_ID}\naws_secret_access_key=${env.AWS_SECRET_ACCESS_KEY}\n`, { mode: 0o600 });
    for (const plane of ['source', 'target'] as const) {
      removeRoutes.push(routePodsToLoopback(plane));
      importVeleroImages(plane);
    }
    install = (plane) => installVeleroInCluster(binaries, plane, plane === 'source' ? ns.veleroSource : ns.veleroTarget, prefix, credentialsFile);
    veleroSource = await install('source');
  }, 60 * MINUTE);

  afterAll(async () => {
    try {
      await Promise.all([deleteNamespaces(source, [ns.a, ns.b]), deleteNamespaces(target, [ns.aTarget, ns.bTarget])]);
      await Promise.all([uninstallVelero(source, ns.veleroSource), uninstallVelero(target, ns.veleroTarget)]);
      await Promise.all([source.delete('v1', 'PersistentVolume', pvs.source), target.delete('v1', 'PersistentVolume', pvs.target)]);
    } finally {
      for (const remove of removeRoutes) remove();
      rmSync(folders.source, { recursive: true, force: true });
      rmSync(folders.target, { recursive: true, force: true });
    }
  });

  it("restores a Velero fs-backup's volume into a new claim in the target: Ferry reads Velero's PodVolumeBackups", async () => {
    mkdirSync(folders.source, { recursive: true });
    writeTestTree(folders.source, 8 * 1024 * 1024);
    const tree = describeTree(folders.source);
    // Delete: Velero re-provisions such a volume, and so does Ferry (its claim gets a new volume of the mapped class).
    await createAll(source, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.a } },
      localVolume(pvs.source, 'source-node', folders.source, { storageClassName: localClass, persistentVolumeReclaimPolicy: 'Delete', claimRef: { namespace: ns.a, name: 'data' } }),
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: ns.a },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: localClass, volumeName: pvs.source } },
      webPod(ns.a, 'web', 'data'),
    ]);
    await waitForRunning(source, ns.a, ['web']);
    const backup = freshName('velero-fs-backup');
    await velero(veleroSource, ['backup', 'create', backup, '--include-namespaces', ns.a, '--default-volumes-to-fs-backup']);
    expect(phaseOf(await finished(veleroSource, 'backup', backup))).toBe('Completed');
    const records = await loadVeleroPodVolumes(backup, { store, layout });
    expect(records).toMatchObject({ volumes: [{ namespace: ns.a, claim: 'data', repository: `kopia/${ns.a}/` }], problems: [], notes: [] });

    const name = freshName('from-velero');
    const spec = parseRestoreSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name },
      spec: { backupName: backup, namespaceMapping: { [ns.a]: ns.aTarget }, storageClassMapping: { [localClass]: 'ferry-local' } } }, 'restore.yaml');
    const result = await runRestore({ name, spec, dryRun: false }, {
      store, layout, cluster: target, now: () => new Date(), log: quiet, volumeMover: stackMover(target, layout, VELERO_DEFAULT_REPOSITORY_PASSWORD),
    });
    expect(result.results.errors).toEqual({});
    expect(result.counts.failed).toBe(0);
    expect(describeTree(await volumeFolderOf(target, ns.aTarget, 'data'))).toEqual(tree);
    await waitForRunning(target, ns.aTarget, ['web']);
  });

  it("restores a Ferry backup's volume data with `velero restore`: Ferry writes PodVolumeBackups Velero's node-agent uses", async () => {
    await createAll(source, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.b } },
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'www', namespace: ns.b },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'ferry-local' } },
      webPod(ns.b, 'web', 'www'),
    ]);
    await waitForRunning(source, ns.b, ['web']);
    const sourceFolder = await volumeFolderOf(source, ns.b, 'www');
    writeTestTree(sourceFolder, 8 * 1024 * 1024);
    const tree = describeTree(sourceFolder);
    const backup = freshName('ferry-fs-backup');
    const done = await runBackup(parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: backup },
      spec: { backupType: 'AppAndPvBackup', includedNamespaces: [ns.b] } }, 'backup.yaml'),
    { store, layout, cluster: source, clock: () => new Date(), volumeMover: stackMover(source, layout, VELERO_DEFAULT_REPOSITORY_PASSWORD) });
    expect(done.results.errors).toEqual({});
    expect(Object.keys(done.files)).toContain(`${backup}-podvolumebackups.json.gz`);

    // The target's claim gets a `local` volume reserved for it: Velero's node-agent finds a pod's volume under the
    // kubelet's pods dir, where hostPath volumes (the stack's provisioner's) never appear.
    mkdirSync(folders.target, { recursive: true });
    await createAll(target, [localVolume(pvs.target, 'target-node', folders.target, {
      storageClassName: 'ferry-local', persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: ns.bTarget, name: 'www' } })]);
    // NOTE: Velero's backup sync (about once a minute) imports a backup once, with the PodVolumeBackups in the bucket at
    // that moment, and imports Ferry's InProgress claim on a running backup as it is: the target's Velero starts after
    // the backup, as in a migration.
    const veleroTarget = await install('target');
    await target.discover({ refresh: true });
    await waitFor(`Velero in the target to sync backup ${backup} and its PodVolumeBackups`, async () =>
      ((await listOf(target, 'podvolumebackups', ns.veleroTarget, `velero.io/backup-name=${backup}`)).length > 0 ? true : undefined), 180);
    const restore = freshName('velero-restore');
    await velero(veleroTarget, ['restore', 'create', restore, '--from-backup', backup, '--namespace-mappings', `${ns.b}:${ns.bTarget}`]);
    const restored = await finished(veleroTarget, 'restore', restore);
    expect(phaseOf(restored)).toBe('Completed');
    const details = (await velero(veleroTarget, ['restore', 'describe', restore, '--details'])).out;
    const filled = new RegExp(`kopia Restores:\\s+Completed:\\s+${ns.bTarget}/web: html`);
    // On a miss, Velero's own log of the restore says why (its server runs in the cluster, its log goes away with it).
    const why = filled.test(details) ? '' : (await velero(veleroTarget, ['restore', 'logs', restore]).catch((e: unknown) => ({ out: String(e) }))).out;
    expect(details, `velero restore logs ${restore}:\n${why.split('\n').filter((l) => !l.includes('level=debug')).slice(-60).join('\n')}`).toMatch(filled);
    expect(treeWithoutVeleroMarker(folders.target)).toEqual(tree);
    await waitForRunning(target, ns.bTarget, ['web']);
  });
});
