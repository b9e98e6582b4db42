/**
 * One connection to a namespace's kopia repository from where Ferry runs (not from a mover pod): lists and deletes
 * snapshots and runs full maintenance. It connects as the movers do (user `ferry`, host = the namespace), which is
 * the identity that created the repository and so its maintenance owner: kopia refuses maintenance to anyone else.
 * Config, logs and cache live in a folder of its own, removed on close.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRecord } from '../model/object.js';
import { VolumeExpiryError, type VolumeExpiryFailureKind } from './errors.js';
import { lastErrorLines } from './kopia-output.js';
import type { KopiaRunner } from './kopia-runner.js';
import { connectFlags, globalFlags, storageFlags, type RepositoryLocation } from './kopia-script.js';
import type { MoverCredentials } from './mover-credentials.js';

/** A snapshot in the repository: its ID and the backup its `ferry-backup` tag names. */
export interface RepositorySnapshot {
  id: string;
  backup?: string;
}

/** kopia's snapshot GC figures of one maintenance run (bytes before compression and encryption). */
export interface GcStats {
  /** Contents no snapshot references, old enough to be marked deleted (they were, in this run). */
  deletedBytes: number;
  /** Contents no snapshot references, too recent for the safety margin: a later run marks them. */
  unreferencedRecentBytes: number;
  /** Contents the remaining snapshots reference. */
  inUseBytes: number;
}

/** What opening a session needs. */
export interface SessionInput {
  runner: KopiaRunner;
  location: RepositoryLocation;
  namespace: string;
  password: string;
  credentials: MoverCredentials;
  /** The backup named in error messages (none for a maintenance-only session). */
  backup?: string;
  /** Parent of the session's folder (default: the OS temp folder, /tmp in Lambda). */
  tmpRoot?: string;
}

/** A connected repository; close() disconnects and removes its folder. */
export class RepositorySession {
  private constructor(private readonly input: SessionInput, private readonly dir: string, private readonly env: Record<string, string>) {}

  /** Connects; VolumeExpiryError (wrong-password, missing-repository or failed) names the backup and namespace. */
  static async open(input: SessionInput): Promise<RepositorySession> {
    const dir = await mkdtemp(join(input.tmpRoot ?? tmpdir(), 'ferry-kopia-'));
    const c = input.credentials;
    const env = {
      KOPIA_PASSWORD: input.password, AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
      ...(c.sessionToken ? { AWS_SESSION_TOKEN: c.sessionToken } : {}), HOME: dir,
    };
    const session = new RepositorySession(input, dir, env);
    const run = await input.runner.run([...globalFlags(dir), 'repository', 'connect', 's3', ...storageFlags(input.location), ...connectFlags(input.namespace, dir), ...CACHE_LIMITS], env);
    if (run.code !== 0) {
      await rm(dir, { recursive: true, force: true });
      const kind = connectFailureKind(run.stderr);
      throw new VolumeExpiryError(`${session.subject()} ${KIND_WORDS[kind]}${kind === 'failed' ? `: ${lastErrorLines(run.stderr)}` : ''}`, kind);
    }
    return session;
  }

  /** Every snapshot of the repository (all sources: one per claim of the namespace). */
  async snapshots(): Promise<RepositorySnapshot[]> {
    const out = await this.kopia(['snapshot', 'list', '--all', '--json'], 'listing its snapshots');
    return parseSnapshotList(out);
  }

  /** Deletes snapshots by ID (their manifests; the data goes with maintenance). */
  async deleteSnapshots(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.kopia(['snapshot', 'delete', ...ids, '--delete'], `deleting snapshots ${ids.join(', ')}`);
  }

  /**
   * Full maintenance at kopia's full safety: snapshot GC marks what no snapshot references once it is 24 hours old,
   * and packs go once their contents have left the compacted indexes; safe while movers write to the repository.
   */
  async runMaintenance(): Promise<GcStats | undefined> {
    await this.kopia(['maintenance', 'run', '--full', '--safety=full'], 'running full maintenance');
    return (await this.maintenanceInfo()).gc;
  }

  /** When kopia schedules the next full maintenance, and the figures of the last snapshot GC. */
  async maintenanceInfo(): Promise<{ nextFull?: Date; gc?: GcStats }> {
    return parseMaintenanceInfo(await this.kopia(['maintenance', 'info', '--json'], 'reading its maintenance schedule'));
  }

  async close(): Promise<void> {
    await this.input.runner.run([...globalFlags(this.dir), 'repository', 'disconnect'], this.env).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  private subject(): string {
    return `${this.input.backup ? `backup ${this.input.backup}: ` : ''}the kopia repository of namespace ${this.input.namespace} (${this.input.location.prefix})`;
  }

  private async kopia(args: string[], what: string): Promise<string> {
    const run = await this.input.runner.run([...globalFlags(this.dir), ...args], this.env);
    if (run.code !== 0) throw new VolumeExpiryError(`${this.subject()}: ${what} failed: ${lastErrorLines(run.stderr)}`);
    return run.stdout;
  }
}

/** kopia's caches stay well inside a Lambda's /tmp (512 MiB unless configured; kopia's own default is 5 GB of content). */
const CACHE_LIMITS = ['--content-cache-size-mb=64', '--metadata-cache-size-mb=192'];

const KIND_WORDS: Record<VolumeExpiryFailureKind, string> = {
  'wrong-password': 'refused the repository password (is volumeData.repositoryPassword the one it was created with?)',
  'missing-repository': 'does not exist (no kopia repository at that prefix)',
  failed: 'could not be opened',
};

/** The kind of a failed `repository connect` from kopia's words. */
export function connectFailureKind(stderr: string): VolumeExpiryFailureKind {
  if (/invalid repository password/i.test(stderr)) return 'wrong-password';
  if (/repository not initialized|not initialized in the provided storage/i.test(stderr)) return 'missing-repository';
  return 'failed';
}

/** Reads `kopia snapshot list --all --json`: IDs and `ferry-backup` tags; anything else is an error. */
export function parseSnapshotList(text: string): RepositorySnapshot[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new VolumeExpiryError(`kopia's snapshot list is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
  if (!Array.isArray(value)) throw new VolumeExpiryError('kopia\'s snapshot list is not a list');
  return value.filter(isRecord).filter((s) => typeof s.id === 'string').map((s) => {
    const tags = isRecord(s.tags) ? s.tags : {};
    const backup = tags['tag:ferry-backup'];
    return { id: s.id as string, ...(typeof backup === 'string' ? { backup } : {}) };
  });
}

/** Reads `kopia maintenance info --json`: the next full maintenance and the last snapshot GC's figures. */
export function parseMaintenanceInfo(text: string): { nextFull?: Date; gc?: GcStats } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {};
  }
  const schedule = isRecord(value) && isRecord(value.schedule) ? value.schedule : {};
  const next = typeof schedule.nextFullMaintenance === 'string' ? new Date(schedule.nextFullMaintenance) : undefined;
  const runs = isRecord(schedule.runs) && Array.isArray(schedule.runs['snapshot-gc']) ? schedule.runs['snapshot-gc'] : [];
  const last = isRecord(runs[0]) && Array.isArray(runs[0].extra) ? runs[0].extra.find((e) => isRecord(e) && e.kind === 'snapshotGCStats') : undefined;
  const data = isRecord(last) && isRecord(last.data) ? last.data : undefined;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    ...(next && !Number.isNaN(next.getTime()) ? { nextFull: next } : {}),
    ...(data ? { gc: { deletedBytes: num(data.deletedContentSize), unreferencedRecentBytes: num(data.unreferencedRecentContentSize), inUseBytes: num(data.inUseContentSize) } } : {}),
  };
}
