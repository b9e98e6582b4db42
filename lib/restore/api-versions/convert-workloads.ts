import type { KubeObject } from '../../model/object.js';
import { asRecord, ensureRecord, recordAt } from '../json-access.js';
import type { Converter } from './conversion-types.js';

// Workload conversions of Kubernetes 1.16 (extensions/v1beta1, apps/v1beta1, apps/v1beta2 to apps/v1).
// NOTE: apps/v1 changed defaults; where the old default was relied on (the field is unset) it is written out,
// so the workload behaves in the target as it did in the source.

const NO_LIMIT = 2147483647;

/** extensions/v1beta1 Deployment, DaemonSet or ReplicaSet to apps/v1. */
export const extensionsWorkloadToAppsV1: Converter = (copy) => {
  const errors = requireSelector(copy);
  const warnings: string[] = [];
  const spec = ensureRecord(copy, 'spec')!;
  if (copy.kind === 'Deployment') {
    warnings.push(...dropRollbackTo(spec));
    spec.revisionHistoryLimit ??= NO_LIMIT;
    spec.progressDeadlineSeconds ??= NO_LIMIT;
    const strategy = ensureRecord(spec, 'strategy');
    if (strategy && (strategy.type ?? 'RollingUpdate') === 'RollingUpdate') {
      strategy.type = 'RollingUpdate';
      const rolling = ensureRecord(strategy, 'rollingUpdate');
      if (rolling) {
        rolling.maxUnavailable ??= 1;
        rolling.maxSurge ??= 1;
      }
    }
  }
  if (copy.kind === 'DaemonSet') {
    delete spec.templateGeneration;
    const strategy = ensureRecord(spec, 'updateStrategy');
    if (strategy) strategy.type ??= 'OnDelete';
  }
  return { warnings, errors };
};

/**
 * extensions/v1beta1 Job (Kubernetes 1.2 to 1.7) to batch/v1: the same spec but `autoSelector`, which batch/v1
 * replaced with `manualSelector`. The selector then goes (lib/restore/actions/job.ts), and the target generates
 * its own, as it does for every Job whose selector was not set by hand: the pods it selects are the template's.
 */
export const extensionsJobToBatchV1: Converter = (copy) => {
  const spec = ensureRecord(copy, 'spec');
  if (!spec || spec.autoSelector === undefined) return {};
  delete spec.autoSelector;
  return { warnings: ['spec.autoSelector was removed: batch/v1 generates the selector unless spec.manualSelector is set'] };
};

/** apps/v1beta1 Deployment or StatefulSet to apps/v1. */
export const appsV1beta1ToV1: Converter = (copy) => {
  const errors = requireSelector(copy);
  const warnings: string[] = [];
  const spec = ensureRecord(copy, 'spec')!;
  if (copy.kind === 'Deployment') {
    warnings.push(...dropRollbackTo(spec));
    spec.revisionHistoryLimit ??= 2;
  }
  if (copy.kind === 'StatefulSet') {
    const strategy = ensureRecord(spec, 'updateStrategy');
    if (strategy) strategy.type ??= 'OnDelete';
  }
  return { warnings, errors };
};

/** apps/v1beta2 to apps/v1: the same fields; only the selector, required since, is checked. */
export const appsV1beta2ToV1: Converter = (copy) => ({ errors: copy.kind === 'ControllerRevision' ? [] : requireSelector(copy) });

/** NOTE: the old versions defaulted spec.selector to the template's labels; apps/v1 requires it written. */
function requireSelector(copy: KubeObject): string[] {
  const spec = ensureRecord(copy, 'spec');
  if (!spec || spec.selector !== undefined) return [];
  const labels = asRecord(recordAt(spec, 'template', 'metadata')?.labels);
  if (!labels || Object.keys(labels).length === 0) {
    return [`${copy.kind} has no spec.selector and no template labels to derive one from; apps/v1 requires a selector`];
  }
  spec.selector = { matchLabels: { ...labels } };
  return [];
}

function dropRollbackTo(spec: Record<string, unknown>): string[] {
  if (spec.rollbackTo === undefined) return [];
  delete spec.rollbackTo;
  return ['spec.rollbackTo was removed: apps/v1 has no rollback field'];
}
