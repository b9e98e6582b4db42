import { createHash } from 'node:crypto';
import { copyJson } from '../json-access.js';
import type { Stage, StageResult, TransformContext, TransformItem } from '../types.js';
import { withObject } from '../types.js';

/** The label naming the backup an object was restored from. */
export const BACKUP_NAME_LABEL = 'velero.io/backup-name';
/** The label naming the restore that created an object. */
export const RESTORE_NAME_LABEL = 'velero.io/restore-name';

const MAX_LABEL_VALUE = 63;

/**
 * A name usable as a label value, as Velero makes it: names of up to 63 characters stay; longer ones keep
 * their first 57 characters and gain the first 6 hex digits of the name's SHA-256.
 */
export function labelValueFor(name: string): string {
  if (name.length <= MAX_LABEL_VALUE) return name;
  const digest = createHash('sha256').update(name).digest('hex');
  return name.slice(0, MAX_LABEL_VALUE - 6) + digest.slice(0, 6);
}

/** Labels the object with the backup's and the restore's names. */
export function addRestoreLabels(item: TransformItem, context: TransformContext): StageResult {
  const object = copyJson(item.object);
  object.metadata.labels = {
    ...object.metadata.labels,
    [BACKUP_NAME_LABEL]: labelValueFor(context.backupName),
    [RESTORE_NAME_LABEL]: labelValueFor(context.restoreName),
  };
  return { item: withObject(item, object) };
}

/** Stage 6: restore labels. */
export const restoreLabelsStage: Stage = { name: 'restore-labels', run: addRestoreLabels };
