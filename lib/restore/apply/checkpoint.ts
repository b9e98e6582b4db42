import type { BucketLayout } from '../../store/layout.js';
import type { ObjectStore } from '../../store/object-store.js';
import { NotFoundError } from '../../store/errors.js';
import type { ItemOutcome } from './outcome.js';

/** A restore's progress, saved to the bucket so that a fresh invocation continues where one ran out of time. */
export interface Checkpoint {
  restore: string;
  backup: string;
  /** A dry run's checkpoint never resumes a real run, nor the other way round. */
  dryRun: boolean;
  /** RFC 3339 time the restore started (kept across invocations). */
  startedAt: string;
  /** Outcomes by item key (lib/restore/apply/outcome.ts itemKey). */
  done: Record<string, ItemOutcome>;
  invocations: number;
}

/** Reads a restore's checkpoint, or undefined when the restore has none. */
export async function loadCheckpoint(store: ObjectStore, layout: BucketLayout, restore: string): Promise<Checkpoint | undefined> {
  try {
    const { bytes } = await store.getBytes(layout.restoreKey(restore, 'checkpoint'));
    const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as Checkpoint;
    if (value.restore !== restore || typeof value.done !== 'object' || value.done === null) {
      throw new Error(`the checkpoint of restore ${restore} is not one of this restore`);
    }
    return value;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** Writes a restore's checkpoint. */
export async function saveCheckpoint(store: ObjectStore, layout: BucketLayout, checkpoint: Checkpoint): Promise<void> {
  await store.put(layout.restoreKey(checkpoint.restore, 'checkpoint'), JSON.stringify(checkpoint), { contentType: 'application/json' });
}
