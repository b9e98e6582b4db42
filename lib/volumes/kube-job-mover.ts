/**
 * The mover adapter: runs each move as a short-lived Job in the claim's cluster and namespace. The repository's
 * credentials and password go into a Secret owned by the Job; Job, pod and Secret are deleted when the move ends,
 * whatever its outcome. The Job's pod reports through its termination message (see kopia-script.ts).
 */
import { createHash } from 'node:crypto';
import type { Cluster } from '../kube/cluster.js';
import { AlreadyExists, ClusterError } from '../kube/errors.js';
import { isRecord, type KubeObject } from '../model/object.js';
import type { MoverResources } from '../spec/mover-resources.js';
import type { BucketLayout } from '../store/layout.js';
import { MovePendingError, MoverError } from './errors.js';
import { moverJob, moverLabels, moverSecret } from './job-manifest.js';
import { readMoverReport, parseRestoredLine, parseSnapshotJson, type MoverReport } from './kopia-output.js';
import { moverScript, type MoverOperation, type RepositoryLocation } from './kopia-script.js';
import { ADOPTION_GRACE_MS, moverMarks, podsOf, replaceLeftovers, runOf, sweepMovers, type SweepReport } from './mover-objects.js';
import { cloneClaim, existingClone, planRead, type CloneTiming } from './snapshot-clone.js';
import { SNAPSHOT_API_VERSION } from '../backup/volumes/claims.js';
import type { MoverCredentials } from './mover-credentials.js';
import type { FilledVolume, MoveControl, MovedVolume, MoveInRequest, MoveOutRequest, VolumeMover } from './mover.js';

/** How movers reach the bucket and run. */
export interface KubeJobMoverSettings {
  /** The mover image (kopia and a busybox shell). */
  image: string;
  bucket: string;
  layout: BucketLayout;
  /** The S3 endpoint URL as the mover pods reach it (absent: AWS S3). */
  endpoint?: string;
  region?: string;
  /** The kopia repository password (from the config or Secrets Manager); only ever put into the mover's Secret. */
  password: string;
  /** Credentials for one repository prefix (`<prefix>/kopia/<namespace>/`): mover-credentials.ts. */
  credentials: (repositoryPrefix: string) => Promise<MoverCredentials>;
  /** Mover pods share their node's network (a local stack whose S3 server listens on the node's loopback). */
  hostNetwork?: boolean;
  runAsUser?: number;
  /** What mover pods request and are limited to (default: DEFAULT_MOVER_RESOURCES). */
  resources?: MoverResources;
  /** How long one move may take (the Job's activeDeadlineSeconds; default 30 minutes). */
  timeoutMs?: number;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** The run a move belongs to: its identity (mover-objects.ts) and the labels its objects carry. */
type MoveRun = { id: string; labels: Record<string, string> };

/** Where a mover pod runs and what it mounts: the consumer's node (a live ReadWriteOnce claim) or a snapshot clone. */
type Placement = { node?: string; volumeClaim?: string };

/** Container waiting reasons that will not resolve by waiting. */
const STUCK = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'CreateContainerConfigError', 'CreateContainerError']);

/** Runs moves as Jobs in `cluster`. */
export class KubeJobMover implements VolumeMover {
  constructor(private readonly cluster: Cluster, private readonly settings: KubeJobMoverSettings) {}

  /**
   * Reads a clone of a fresh VolumeSnapshot of the claim where its driver can snapshot (snapshot-clone.ts), else the
   * live claim on its consumer's node. The VolumeSnapshot and the clone are removed when the move ends, whatever its
   * outcome; a move left running (MovePendingError) keeps them for the invocation that adopts its Job.
   */
  async moveOut(request: MoveOutRequest, control: MoveControl = {}): Promise<MovedVolume> {
    const name = moverJobName('backup', request.backup, request.namespace, request.claim);
    const labels = { 'ferry.dev/backup': request.backup };
    const run: MoveRun = { id: `backup/${request.backup}/${request.run ?? ''}`, labels };
    const operation: MoverOperation = { kind: 'backup', claim: request.claim, backup: request.backup };
    const what = `PersistentVolumeClaim ${request.namespace}/${request.claim}`;
    const asMoverError = (err: unknown): never => {
      if (err instanceof ClusterError) throw new MoverError(`${what}: ${err.message}`, 'failed', { cause: err });
      throw err;
    };
    const plan = await planRead(this.cluster, request.namespace, request.claim).catch(asMoverError);
    const parse = (report: string): MovedVolume => {
      const moved = parseSnapshotJson(report);
      if ('problem' in moved) throw new MoverError(moved.problem);
      return moved;
    };
    await this.sweep();
    // A Job an earlier invocation of this run started is adopted, with the clone it reads; another run's is replaced.
    const adopted = await this.adoptable(name, request.namespace, run.id, plan.source === 'snapshot').catch(asMoverError);
    if (plan.source === 'live') {
      const moved = parse(await this.run(name, request.namespace, request.namespace, operation, run, adopted, control, request.node ? { node: request.node } : {}));
      return { ...moved, source: 'live', liveReason: plan.reason };
    }
    const clone = adopted ? existingClone(this.cluster, request.namespace, name)
      : await cloneClaim(this.cluster, plan, name, moverLabels(name, labels), this.timing(), this.marks(run.id, 2));
    let pending = false;
    try {
      return { ...parse(await this.run(name, request.namespace, request.namespace, operation, run, adopted, control, { volumeClaim: clone.claim })), source: 'snapshot' };
    } catch (err) {
      pending = err instanceof MovePendingError;
      throw err;
    } finally {
      if (!pending) await clone.remove();
    }
  }

  private timing(): CloneTiming {
    const s = this.settings;
    return { timeoutMs: s.timeoutMs ?? 30 * 60_000, now: s.now ?? Date.now, sleep: s.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms))) };
  }

  async moveIn(request: MoveInRequest, control: MoveControl = {}): Promise<FilledVolume> {
    const name = moverJobName('restore', request.backup, request.namespace, request.claim, request.snapshotId);
    const labels = { 'ferry.dev/backup': request.backup, ...(request.restore ? { 'ferry.dev/restore': request.restore } : {}) };
    const run: MoveRun = { id: `restore/${request.restore ?? ''}/${request.run ?? ''}`, labels };
    await this.sweep();
    const adopted = await this.adoptable(name, request.namespace, run.id, false).catch((err: unknown) => {
      if (err instanceof ClusterError) throw new MoverError(`mover Job ${request.namespace}/${name}: ${err.message}`, 'failed', { cause: err });
      throw err;
    });
    const report = await this.run(name, request.namespace, request.sourceNamespace, { kind: 'restore', claim: request.claim, snapshotId: request.snapshotId },
      run, adopted, control);
    return parseRestoredLine(report);
  }

  /**
   * Deletes, once per mover (that is, per run and cluster), the objects of moves that no run can still be waiting
   * for (mover-objects.ts), before the first move; the caller may call it first to report what it did.
   */
  sweep(): Promise<SweepReport> {
    this.swept ??= sweepMovers(this.cluster, this.now()).catch((err: unknown) => {
      if (!(err instanceof ClusterError)) throw err;
      return { deleted: [], problems: [`mover objects could not be listed: ${err.message}`] };
    });
    return this.swept;
  }

  private swept?: Promise<SweepReport>;

  /**
   * The Job an earlier invocation of the same run started under `name`, to adopt; undefined when there is none. What
   * another run left under that name (its Job; a clone without a Job) is deleted first and waited for.
   */
  private async adoptable(name: string, namespace: string, run: string, withClone: boolean): Promise<KubeObject | undefined> {
    const existing = await this.cluster.read('batch/v1', 'Job', name, namespace);
    if (existing && runOf(existing) === run) return existing;
    const leftClone = !existing && withClone && (await this.cluster.read('v1', 'PersistentVolumeClaim', name, namespace)
      ?? await this.cluster.read(SNAPSHOT_API_VERSION, 'VolumeSnapshot', name, namespace));
    if (existing || leftClone) await replaceLeftovers(this.cluster, namespace, name, this.timing());
    return undefined;
  }

  private now(): number {
    return (this.settings.now ?? Date.now)();
  }

  /** The run's annotations on an object that lives `moves` move deadlines (a clone: its snapshot's wait and the move). */
  private marks(run: string, moves = 1): Record<string, string> {
    return moverMarks(run, this.now() + moves * (this.settings.timeoutMs ?? 30 * 60_000) + ADOPTION_GRACE_MS);
  }

  /**
   * Runs the mover Job `name` in `namespace` against the repository of `repositoryNamespace` (adopting it when an
   * earlier invocation started it); returns what it reported as done.
   */
  private async run(name: string, namespace: string, repositoryNamespace: string, operation: MoverOperation, run: MoveRun,
    adopted: KubeObject | undefined, control: MoveControl, placement: Placement = {}): Promise<string> {
    const labels = run.labels;
    const s = this.settings;
    const prefix = s.layout.repositoryPrefix(repositoryNamespace);
    const location = repositoryLocation(s, prefix);
    const timeoutMs = s.timeoutMs ?? 30 * 60_000;
    const credentials = await s.credentials(prefix);
    const env: Record<string, string> = {
      KOPIA_PASSWORD: s.password, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
    };
    const what = `mover Job ${namespace}/${name}`;
    let pending = false;
    try {
      const annotations = this.marks(run.id);
      const job = adopted ?? await this.create(name, namespace, env, labels, annotations, moverJob({
        name, namespace, claim: operation.claim, image: s.image, script: moverScript(location, repositoryNamespace, operation),
        secretName: name, operation: operation.kind, deadlineSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)), labels, annotations,
        ...(s.hostNetwork ? { hostNetwork: true } : {}), ...(s.runAsUser !== undefined ? { runAsUser: s.runAsUser } : {}),
        ...(s.resources ? { resources: s.resources } : {}),
        ...placement,
      }));
      const report = await this.waitForReport(name, namespace, job, timeoutMs, control);
      if (!report.ok) throw new MoverError(`${what}: ${report.step} failed: ${report.detail}`, report.kind);
      return report.text;
    } catch (err) {
      if (err instanceof MovePendingError) pending = true;
      if (err instanceof MoverError || err instanceof MovePendingError) throw err;
      if (err instanceof ClusterError) throw new MoverError(`${what}: ${err.message}`, 'failed', { cause: err });
      throw err;
    } finally {
      // A move left running stays, with its Secret, for the invocation that adopts it.
      if (!pending) await this.cleanUp(name, namespace);
    }
  }

  /** Creates the Secret and the Job; returns the Job. */
  private async create(name: string, namespace: string, env: Record<string, string>, labels: Record<string, string>, annotations: Record<string, string>,
    manifest: KubeObject): Promise<KubeObject> {
    const secret = moverSecret(name, namespace, env, labels, annotations);
    try {
      await this.cluster.create(secret);
    } catch (err) {
      // Left by an invocation that stopped between the Secret and its Job: given this run's credentials and marks.
      if (!(err instanceof AlreadyExists)) throw err;
      await this.cluster.patch(secret, { metadata: { labels: secret.metadata.labels, annotations }, stringData: env }, 'merge');
    }
    const job = await this.cluster.create(manifest);
    // The Secret goes with its Job should Ferry itself stop before cleaning up.
    await this.cluster.patch({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace } }, {
      metadata: { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid: job.metadata.uid, blockOwnerDeletion: false }] },
    }, 'merge');
    return job;
  }

  /**
   * Polls the Job's pod until its container has terminated, the pod cannot start, or the deadline (counted from the
   * Job's creation, so across invocations) has passed; throws MovePendingError when the caller stops waiting first.
   */
  private async waitForReport(name: string, namespace: string, job: KubeObject, timeoutMs: number, control: MoveControl): Promise<MoverReport> {
    const s = this.settings;
    const now = s.now ?? Date.now;
    const sleep = s.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const created = Date.parse(String(job.metadata.creationTimestamp ?? ''));
    // A little beyond the Job's own deadline, so that Kubernetes' verdict (DeadlineExceeded) is seen first.
    const giveUpAt = (Number.isNaN(created) ? now() : Math.min(now(), created)) + timeoutMs + 30_000;
    let pollMs = s.pollMs ?? 500;
    const uid = typeof job.metadata.uid === 'string' ? job.metadata.uid : undefined;
    for (;;) {
      const pods = await podsOf(this.cluster, namespace, name, uid);
      for (const pod of pods) {
        const verdict = podVerdict(pod);
        if (verdict) return verdict;
      }
      const failed = jobFailure(await this.cluster.read('batch/v1', 'Job', name, namespace));
      if (failed) return { ok: false, step: failed.timeout ? 'deadline' : 'job', detail: failed.message, kind: failed.timeout ? 'timeout' : 'failed' };
      if (now() > giveUpAt) {
        const pending = pods.map(pendingReason).find(Boolean);
        return { ok: false, step: 'deadline', detail: `not done within ${Math.round(timeoutMs / 1000)} s${pending ? ` (${pending})` : ''}`, kind: 'timeout' };
      }
      if (control.shouldStop?.()) throw new MovePendingError(name, namespace);
      await sleep(pollMs);
      pollMs = Math.min(pollMs * 2, 5_000);
    }
  }

  /** Deletes the Job, its pods (a Job deleted without propagation leaves them) and the Secret; best effort. */
  private async cleanUp(name: string, namespace: string): Promise<void> {
    const quietly = (p: Promise<unknown>) => p.catch(() => undefined);
    await quietly(this.cluster.delete('batch/v1', 'Job', name, namespace));
    const pods = await podsOf(this.cluster, namespace, name).catch(() => []);
    await Promise.all([
      ...pods.map((p) => quietly(this.cluster.delete('v1', 'Pod', p.metadata.name ?? '', namespace))),
      quietly(this.cluster.delete('v1', 'Secret', name, namespace)),
    ]);
  }
}

/**
 * The mover Job's name for one move: the same move asked again (a continued backup or restore) gets the same name,
 * and adopts the Job instead of starting a second one. 53 characters at most (a Job's pods add a suffix to it).
 */
export function moverJobName(kind: 'backup' | 'restore', backup: string, namespace: string, claim: string, snapshotId = ''): string {
  const digest = createHash('sha256').update([kind, backup, namespace, claim, snapshotId].join('\0')).digest('hex').slice(0, 16);
  return `ferry-mover-${kind}-${digest}`;
}

/** The repository's location as kopia takes it, from the endpoint URL the pods reach. */
export function repositoryLocation(settings: Pick<KubeJobMoverSettings, 'bucket' | 'endpoint' | 'region'>, prefix: string): RepositoryLocation {
  const location: RepositoryLocation = { bucket: settings.bucket, prefix, ...(settings.region ? { region: settings.region } : {}) };
  if (!settings.endpoint) return location;
  const url = new URL(settings.endpoint);
  return { ...location, endpoint: url.host, ...(url.protocol === 'http:' ? { disableTls: true } : {}) };
}

/** A pod's outcome once its container has terminated or cannot start; undefined while it is still on its way. */
export function podVerdict(pod: KubeObject): MoverReport | undefined {
  const status = isRecord(pod.status) ? pod.status : {};
  const containers = Array.isArray(status.containerStatuses) ? status.containerStatuses : [];
  const state = isRecord(containers[0]) && isRecord(containers[0].state) ? containers[0].state : {};
  if (isRecord(state.terminated)) {
    const t = state.terminated;
    const message = typeof t.message === 'string' ? t.message : '';
    const report = readMoverReport(message);
    if (report) return report;
    return { ok: false, step: 'container', detail: `exited with code ${String(t.exitCode)} (${String(t.reason ?? 'no reason')})${message ? `: ${message.trim().slice(-500)}` : ''}`, kind: 'failed' };
  }
  if (isRecord(state.waiting) && STUCK.has(String(state.waiting.reason))) {
    return { ok: false, step: 'start', detail: `${String(state.waiting.reason)}: ${String(state.waiting.message ?? '')}`, kind: 'failed' };
  }
  return undefined;
}

/** The Job's Failed condition, if it has one (DeadlineExceeded is a timeout). */
export function jobFailure(job: KubeObject | undefined): { message: string; timeout: boolean } | undefined {
  const conditions = isRecord(job?.status) && Array.isArray(job.status.conditions) ? job.status.conditions : [];
  const failed = conditions.find((c): c is Record<string, unknown> => isRecord(c) && c.type === 'Failed' && c.status === 'True');
  if (!failed) return undefined;
  return { message: `${String(failed.reason ?? 'Failed')}: ${String(failed.message ?? '')}`, timeout: failed.reason === 'DeadlineExceeded' };
}

/** Why a pod has not run yet (the scheduler's verdict or a waiting reason), for a timeout's message. */
function pendingReason(pod: KubeObject): string | undefined {
  const status = isRecord(pod.status) ? pod.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  const scheduled = conditions.find((c) => isRecord(c) && c.type === 'PodScheduled' && c.status === 'False');
  if (isRecord(scheduled)) return `not scheduled: ${String(scheduled.message ?? scheduled.reason ?? '')}`;
  return typeof status.phase === 'string' ? `pod ${status.phase}` : undefined;
}
