import type { KubeObject } from '../../model/object.js';
import type { TransformContext } from '../types.js';

/**
 * A per-kind restore fix (Velero's RestoreItemAction, in small): declares the resources it applies to and
 * changes a private copy of the object in place.
 */
export interface RestoreAction {
  name: string;
  /** groupResources such as `services` or `jobs.batch`. */
  appliesTo: readonly string[];
  run(copy: KubeObject, context: TransformContext): { warnings?: string[]; errors?: string[] } | void;
}
