import type { KubeObject } from '../../../lib/model/object.js';
import { offlineResolver } from '../../../lib/model/resources.js';
import { itemFromObject } from '../../../lib/restore/items.js';
import type { StageResult, TransformContext, TransformItem } from '../../../lib/restore/types.js';
import { parseRestoreSpec, type RestoreSpec } from '../../../lib/spec/restore-spec.js';

/** A restore spec parsed from the given spec fields (backupName defaults to `b1`). */
export function specWith(fields: Record<string, unknown> = {}): RestoreSpec {
  return parseRestoreSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name: 'r1' },
    spec: { backupName: 'b1', ...fields } }, 'test');
}

/** A transform context over `specWith(fields)` with the offline resolver. */
export function contextWith(fields: Record<string, unknown> = {}, extra: Partial<TransformContext> = {}): TransformContext {
  return { spec: specWith(fields), backupName: 'b1', restoreName: 'r1', resolve: offlineResolver(), ...extra };
}

/** A pipeline item for an object, as if it came out of a backup. */
export function itemOf(object: KubeObject): TransformItem {
  return itemFromObject(object, offlineResolver());
}

/** Shorthand for an object. */
export function obj(apiVersion: string, kind: string, name: string, namespace: string | undefined, rest: Record<string, unknown> = {},
  metadata: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), ...metadata }, ...rest };
}

/** The object a stage kept; fails the test when the stage skipped it. */
export function keptObject(result: StageResult): KubeObject {
  if ('skip' in result) throw new Error(`expected the item to be kept, but it was skipped: ${result.skip}`);
  return result.item.object;
}

/** Deep-freezes a value so that a stage that mutates its input throws. */
export function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(frozen);
    Object.freeze(value);
  }
  return value;
}
