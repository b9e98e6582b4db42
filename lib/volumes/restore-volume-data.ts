/**
 * The restore's volume-data pass: reads the backup's ferry-volume-data.json and, once the claims' priority group is
 * applied, fills each restored claim from its kopia snapshot with a mover Job, before any later group (pods, then
 * the workloads) is applied. A filled claim is annotated with its snapshot, so a resumed restore does not fill it
 * again. A fill that fails is an error of that claim; the rest of the restore goes on and reports it. Fills still
 * running when the invocation must stop are left running: the restore continues in a fresh invocation, which adopts
 * them (the mover Job's name comes from the fill) before any later group is applied.
 */
import type { Cluster } from '../kube/cluster.js';
import { ClusterError } from '../kube/errors.js';
import type { KubeObject } from '../model/object.js';
import { addMessage, type RunResults } from '../model/results.js';
import { runPool } from '../pool.js';
import { NotFoundError } from '../store/errors.js';
import type { BucketLayout } from '../store/layout.js';
import type { ObjectStore } from '../store/object-store.js';
import { MovePendingError, MoverError } from './errors.js';
import type { VolumeMover } from './mover.js';
import { sweepLeftovers } from './backup-volume-data.js';
import { loadVeleroPodVolumes } from './velero-pod-volumes.js';
import { parseVolumeData, type VolumeDataEntry } from './volume-data-record.js';

/** The annotation a filled claim carries: the snapshot its data came from. */
export const RESTORED_FROM_ANNOTATION = 'ferry.dev/volume-data-restored-from';

/** The claims' group name in apply order. */
const CLAIMS_GROUP = 'persistentvolumeclaims';

/**
 * Reads a backup's volume-data record: Ferry's ferry-volume-data.json, else (a Velero backup) Velero's PodVolumeBackups
 * of its kopia fs-backup. No file is no entries; a bad one problems (the restore goes on); `notes` name Velero's
 * records that have nothing to fill.
 */
export async function loadVolumeData(backup: string, deps: { store: ObjectStore; layout: BucketLayout }): Promise<{ volumes: VolumeDataEntry[]; problems: string[]; notes?: string[] }> {
  try {
    const { bytes } = await deps.store.getBytes(deps.layout.backupKey(backup, 'volumeData'));
    return parseVolumeData(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  return loadVeleroPodVolumes(backup, deps);
}

/** What the fills need. */
export interface FillDeps {
  cluster: Cluster;
  mover?: VolumeMover;
  results: RunResults;
  log: { info(message: string, data?: Record<string, unknown>): void; warn(message: string, data?: Record<string, unknown>): void };
  /** Claims filled at once (default 2). */
  concurrency?: number;
  /** Asked between polls: true leaves the fills running for the next invocation (the restore's own stop rule). */
  shouldStop?: () => boolean;
}

/** Fills restored claims from the backup's snapshots; `afterGroup` is called by apply after each priority group. */
export class VolumeFiller {
  private readonly byTarget = new Map<string, VolumeDataEntry>();

  private swept = false;

  constructor(private readonly backup: string, private readonly restore: string, volumes: readonly VolumeDataEntry[],
    namespaceMapping: Record<string, string>, private readonly dryRun: boolean, private readonly deps: FillDeps, private readonly run?: string) {
    for (const v of volumes) this.byTarget.set(`${namespaceMapping[v.namespace] ?? v.namespace}/${v.claim}`, v);
  }

  /** The target claims (`namespace/name`) that have data in the backup. */
  get claims(): string[] {
    return [...this.byTarget.keys()].sort();
  }

  /**
   * After the claims' group: fills every restored claim that has data and is not filled yet. false when fills are
   * still running because the invocation must stop (the restore goes no further in this invocation).
   */
  async afterGroup(name: string, objects: () => Promise<KubeObject[]>): Promise<boolean> {
    if (name !== CLAIMS_GROUP || this.byTarget.size === 0) return true;
    const wanted = (await objects()).map((o) => ({ claim: o, entry: this.byTarget.get(`${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`) }))
      .filter((w): w is { claim: KubeObject; entry: VolumeDataEntry } => w.entry !== undefined);
    let pending = 0;
    if (!this.swept && !this.dryRun && this.deps.mover && wanted.length) {
      this.swept = true;
      await sweepLeftovers(this.deps.mover, this.deps.log);
    }
    await runPool(wanted, this.deps.concurrency ?? 2, async ({ claim, entry }) => {
      if (this.deps.shouldStop?.() || !(await this.fill(claim, entry))) pending++;
    });
    return pending === 0;
  }

  /** Fills one claim; false when its fill is left running for the next invocation. */
  private async fill(claim: KubeObject, entry: VolumeDataEntry): Promise<boolean> {
    try {
      await this.fillOrReport(claim, entry);
      return true;
    } catch (err) {
      if (!(err instanceof MovePendingError)) throw err;
      this.deps.log.info(`PersistentVolumeClaim ${claim.metadata.namespace ?? ''}/${claim.metadata.name ?? ''}: its fill continues in a fresh invocation`, { job: err.job });
      return false;
    }
  }

  private async fillOrReport(claim: KubeObject, entry: VolumeDataEntry): Promise<void> {
    const namespace = claim.metadata.namespace ?? '';
    const name = claim.metadata.name ?? '';
    const what = `PersistentVolumeClaim ${namespace}/${name}`;
    if (this.dryRun) return void this.deps.log.info(`${what}: would be filled from kopia snapshot ${entry.snapshotId} (dry run)`);
    if (!this.deps.mover) {
      return void addMessage(this.deps.results.warnings, namespace, `${what}: its data (snapshot ${entry.snapshotId}) is not restored: no volume mover is configured`);
    }
    let live: KubeObject | undefined;
    try {
      live = await this.deps.cluster.read('v1', 'PersistentVolumeClaim', name, namespace);
    } catch (err) {
      if (!(err instanceof ClusterError)) throw err;
    }
    if (!live) return void addMessage(this.deps.results.errors, namespace, `${what}: volume data not restored: the claim was not created`);
    const filledFrom = live.metadata.annotations?.[RESTORED_FROM_ANNOTATION];
    if (filledFrom === entry.snapshotId) return;
    if (filledFrom === undefined && live.metadata.labels?.['velero.io/restore-name'] !== this.restore) {
      return void addMessage(this.deps.results.warnings, namespace, `${what}: it existed before the restore: its data (snapshot ${entry.snapshotId}) is not restored into it`);
    }
    try {
      this.deps.log.info(`filling ${what} from kopia snapshot ${entry.snapshotId}`);
      const filled = await this.deps.mover.moveIn({ backup: this.backup, sourceNamespace: entry.namespace, snapshotId: entry.snapshotId, namespace, claim: name,
        restore: this.restore, ...(this.run ? { run: this.run } : {}) },
        this.deps.shouldStop ? { shouldStop: this.deps.shouldStop } : {});
      await this.deps.cluster.patch(live, { metadata: { annotations: { [RESTORED_FROM_ANNOTATION]: entry.snapshotId } } }, 'merge');
      this.deps.log.info(`filled ${what}`, { snapshotId: entry.snapshotId, ...filled });
    } catch (err) {
      if (!(err instanceof MoverError) && !(err instanceof ClusterError)) throw err;
      const reason = err instanceof MoverError && err.kind === 'wrong-password'
        ? `backup ${this.backup}: the kopia repository of namespace ${entry.namespace} refused the repository password`
        : err instanceof MoverError && err.kind === 'corrupt'
          ? `backup ${this.backup}: the repository data of snapshot ${entry.snapshotId} failed its integrity check: ${err.message}`
          : err.message;
      addMessage(this.deps.results.errors, namespace, `${what}: volume data not restored from snapshot ${entry.snapshotId}: ${reason}`);
    }
  }
}

/** What a restore hands the fills: its names, the spec's mapping and whether it is a dry run. */
export interface FillRequest {
  backup: string;
  restore: string;
  namespaceMapping: Record<string, string>;
  dryRun: boolean;
  /** Velero's restorePVs: false restores claims without their data. */
  restorePVs?: boolean;
  /** The restore run's identity (its start, the same in every invocation): movers adopt only its own fills. */
  run?: string;
}

/** Loads the backup's volume-data record (its problems become warnings) and returns the filler for the apply run. */
export async function prepareFills(request: FillRequest, deps: FillDeps & { store: ObjectStore; layout: BucketLayout }): Promise<VolumeFiller> {
  const loaded = request.restorePVs === false ? { volumes: [], problems: [] } : await loadVolumeData(request.backup, deps);
  for (const problem of loaded.problems) addMessage(deps.results.warnings, undefined, `${problem}: that volume's data is not restored`);
  for (const note of loaded.notes ?? []) addMessage(deps.results.warnings, undefined, note);
  return new VolumeFiller(request.backup, request.restore, loaded.volumes, request.namespaceMapping, request.dryRun, deps, request.run);
}
