import { groupResourceOf } from '../../model/resources.js';
import { applyConversions, findConversionPath, REMOVED_KINDS } from '../api-versions/conversions.js';
import { servesKind } from '../api-versions/served-versions.js';
import type { Stage, StageResult, TransformContext, TransformItem } from '../types.js';
import { withObject } from '../types.js';

/**
 * Converts an object whose apiVersion the target does not serve to the best version it does, with the
 * field changes of the deprecation guide. Kinds Kubernetes removed are skipped with a warning; a version
 * the target lacks with no known conversion is kept, with a warning.
 */
export function upgradeApiVersion(item: TransformItem, context: TransformContext): StageResult {
  const { served } = context;
  if (!served) return { item };
  const { apiVersion, kind } = item.object;
  if (servesKind(served, apiVersion, kind) === true) return { item };
  const path = findConversionPath(apiVersion, kind, served);
  if (!path) {
    if (servesKind(served, apiVersion, kind) === undefined) return { item };
    const removed = REMOVED_KINDS[kind];
    if (removed) return { skip: `${removed}; ${served.source} does not serve ${apiVersion} ${kind}`, warning: true };
    return { item, warnings: [`${served.source} does not serve ${apiVersion} ${kind} and Ferry knows no conversion; it is kept as it is`] };
  }
  const outcome = applyConversions(item.object, path);
  const to = outcome.object.apiVersion;
  const groupResource = groupResourceOf(context.resolve, to, kind);
  return {
    item: withObject(item, outcome.object, groupResource),
    warnings: [`converted from ${apiVersion} to ${to} (${served.source} does not serve ${apiVersion})`, ...outcome.warnings],
    errors: outcome.errors,
  };
}

/** Stage 2: API-version upgrades. */
export const upgradeApiVersionStage: Stage = { name: 'api-version', run: upgradeApiVersion };
