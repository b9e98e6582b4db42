/**
 * Expiry of volume data, run by the expire function itself with the kopia binary in its artifact (the local
 * cache's build elsewhere): the function reaches the bucket but no cluster, and the source cluster may be long
 * gone when its backups expire. A backup's snapshots are the ones its ferry-volume-data.json lists, checked against
 * kopia's own `ferry-backup` tag: a listed snapshot tagged with another backup is left (the record is untrusted), and
 * any other snapshot tagged with this backup goes too. Maintenance runs at kopia's full safety (see
 * repository-session.ts): data the remaining snapshots reference is never touched, and space comes back as kopia
 * schedules it (about two to three days after the snapshot's data was written), so expiry notes each repository it
 * deleted from under `<prefix>/plugins/ferry/catalog/repositories/` and maintains it again on later runs when kopia says full
 * maintenance is due, until the reclaim window has passed.
 */
import type { RepositoryMaintenance, SnapshotsDeleted, VolumeDataExpirer } from '../catalog/volume-data-expiry.js';
import { isRecord } from '../model/object.js';
import { isValidName, type BucketLayout } from '../store/layout.js';
import type { ObjectStore } from '../store/object-store.js';
import { VolumeExpiryError } from './errors.js';
import type { KopiaRunner } from './kopia-runner.js';
import type { MoverCredentials } from './mover-credentials.js';
import { repositoryLocation } from './kube-job-mover.js';
import { RepositorySession } from './repository-session.js';
import { parseVolumeData } from './volume-data-record.js';

/** How long after its last snapshot deletion a repository keeps being maintained: kopia's margins add up to about 3 days. */
export const RECLAIM_WINDOW_MS = 4 * 24 * 3_600_000;

/** What the expirer needs: the repositories' bucket and password, the S3 credentials kopia uses, a kopia binary. */
export interface KopiaExpirySettings {
  runner: KopiaRunner;
  store: ObjectStore;
  bucket: string;
  layout: BucketLayout;
  /** The S3 endpoint URL as this process reaches it (absent: AWS S3). */
  endpoint?: string;
  region?: string;
  password: string;
  credentials: () => Promise<MoverCredentials>;
  now: () => Date;
  tmpRoot?: string;
}

/** A repository expiry is still reclaiming space from. */
interface ReclaimNote {
  namespace: string;
  /** When snapshots were last deleted from it. */
  deletedAt: string;
  maintainedAt?: string;
}

/** Deletes snapshots and maintains repositories with a local kopia; see the module comment. */
export class KopiaVolumeDataExpiry implements VolumeDataExpirer {
  constructor(private readonly s: KopiaExpirySettings) {}

  async deleteSnapshots(backup: string, record: string): Promise<SnapshotsDeleted> {
    const parsed = parseVolumeData(record);
    if (parsed.problems.length) throw new VolumeExpiryError(`backup ${backup}: ${parsed.problems.join('; ')}: its snapshots are not known, so the backup is kept`);
    const listed = new Map<string, string[]>();
    for (const v of parsed.volumes) listed.set(v.namespace, [...(listed.get(v.namespace) ?? []), v.snapshotId]);
    const out: SnapshotsDeleted = { namespaces: [], snapshots: [], notes: [] };
    for (const [namespace, ids] of [...listed].sort(([a], [b]) => a.localeCompare(b))) {
      let session: RepositorySession;
      try {
        session = await this.open(namespace, backup);
      } catch (err) {
        // No repository, no snapshots: nothing of the backup's data is left to delete.
        if (err instanceof VolumeExpiryError && err.kind === 'missing-repository') {
          out.notes.push(`${err.message}: snapshots ${ids.join(', ')} are gone with it`);
          continue;
        }
        throw err;
      }
      try {
        const snapshots = await session.snapshots();
        const byId = new Map(snapshots.map((s) => [s.id, s]));
        for (const id of ids) {
          const found = byId.get(id);
          if (!found) out.notes.push(`snapshot ${id} is no longer in the repository of namespace ${namespace}`);
          else if (found.backup !== backup) out.notes.push(`snapshot ${id} of namespace ${namespace} is tagged with backup ${found.backup ?? '(none)'}, not ${backup}: left`);
        }
        const mine = snapshots.filter((s) => s.backup === backup).map((s) => s.id);
        await session.deleteSnapshots(mine);
        out.snapshots.push(...mine);
        if (mine.length) out.namespaces.push(namespace);
      } finally {
        await session.close();
      }
    }
    if (out.namespaces.length) await this.note(out.namespaces);
    return out;
  }

  async maintain(namespaces: readonly string[]): Promise<RepositoryMaintenance[]> {
    const notes = await this.readNotes();
    const now = this.s.now();
    const forced = new Set(namespaces);
    const all = [...new Set([...namespaces, ...notes.keys()])].sort();
    const done: RepositoryMaintenance[] = [];
    for (const namespace of all) {
      const note = notes.get(namespace);
      try {
        const session = await this.open(namespace);
        try {
          const info = forced.has(namespace) ? undefined : await session.maintenanceInfo();
          if (info?.nextFull && info.nextFull.getTime() > now.getTime()) {
            done.push({ namespace, action: 'not-due', ...(info.gc ? { gc: info.gc } : {}), reason: `kopia schedules the next full maintenance at ${info.nextFull.toISOString()}` });
            continue;
          }
          const gc = await session.runMaintenance();
          const finished = !forced.has(namespace) && note !== undefined && Date.parse(note.deletedAt) + RECLAIM_WINDOW_MS <= now.getTime();
          if (finished) await this.s.store.delete(this.s.layout.reclaimKey(namespace));
          else await this.writeNote({ namespace, deletedAt: note && !forced.has(namespace) ? note.deletedAt : now.toISOString(), maintainedAt: now.toISOString() });
          done.push({ namespace, action: finished ? 'finished' : 'ran', ...(gc ? { gc } : {}) });
        } finally {
          await session.close();
        }
      } catch (err) {
        if (!(err instanceof VolumeExpiryError)) throw err;
        // A repository that is gone has nothing left to reclaim.
        if (err.kind === 'missing-repository' && note) await this.s.store.delete(this.s.layout.reclaimKey(namespace));
        done.push({ namespace, action: err.kind === 'missing-repository' ? 'finished' : 'failed', reason: err.message });
      }
    }
    return done;
  }

  private async open(namespace: string, backup?: string): Promise<RepositorySession> {
    const location = repositoryLocation(this.s, this.s.layout.repositoryPrefix(namespace));
    return RepositorySession.open({
      runner: this.s.runner, location, namespace, password: this.s.password, credentials: await this.s.credentials(),
      ...(backup ? { backup } : {}), ...(this.s.tmpRoot ? { tmpRoot: this.s.tmpRoot } : {}),
    });
  }

  private async note(namespaces: readonly string[]): Promise<void> {
    const at = this.s.now().toISOString();
    for (const namespace of namespaces) await this.writeNote({ namespace, deletedAt: at });
  }

  private async writeNote(note: ReclaimNote): Promise<void> {
    await this.s.store.put(this.s.layout.reclaimKey(note.namespace), JSON.stringify(note));
  }

  /** The repositories still reclaiming; an unreadable note is dropped (the next deletion writes a new one). */
  private async readNotes(): Promise<Map<string, ReclaimNote>> {
    const notes = new Map<string, ReclaimNote>();
    const prefix = this.s.layout.reclaimPrefix();
    for await (const o of this.s.store.list(prefix)) {
      const namespace = o.key.slice(prefix.length).replace(/\.json$/, '');
      if (!isValidName(namespace)) continue;
      try {
        const value: unknown = JSON.parse(Buffer.from((await this.s.store.getBytes(o.key)).bytes).toString('utf8'));
        if (isRecord(value) && value.namespace === namespace && typeof value.deletedAt === 'string' && !Number.isNaN(Date.parse(value.deletedAt))) {
          notes.set(namespace, { namespace, deletedAt: value.deletedAt });
          continue;
        }
      } catch {
        // fall through: dropped below
      }
      await this.s.store.delete(o.key);
    }
    return notes;
  }
}
