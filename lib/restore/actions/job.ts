import { asRecord, recordAt } from '../json-access.js';
import type { RestoreAction } from './action.js';

/** The labels the Job controller derives from the source Job's uid. */
export const CONTROLLER_UID_LABELS: readonly string[] = ['controller-uid', 'batch.kubernetes.io/controller-uid'];

/**
 * Jobs: the selector and the labels (the Job's own, copied from its template, and the template's) name the
 * source Job's uid, which the target would reject as not matching; they are removed, and so is a generated
 * selector (the target generates its own).
 */
export const jobAction: RestoreAction = {
  name: 'job',
  appliesTo: ['jobs.batch'],
  run(copy) {
    const spec = asRecord(copy.spec);
    if (!spec) return;
    const templateLabels = asRecord(recordAt(spec, 'template', 'metadata')?.labels);
    for (const label of CONTROLLER_UID_LABELS) {
      delete templateLabels?.[label];
      delete copy.metadata.labels?.[label];
    }
    if (copy.metadata.labels && Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
    if (spec.manualSelector !== true) {
      delete spec.selector;
      return;
    }
    const matchLabels = asRecord(recordAt(spec, 'selector')?.matchLabels);
    for (const label of CONTROLLER_UID_LABELS) delete matchLabels?.[label];
  },
};
