/** The summary of a restore result, as `ferry restore` prints it and `ferry restores describe` starts with. Kept apart
 * from restore.ts so that reading a stored result does not load the restore pipeline. */
import type { RestoreResult } from '../restore/result.js';
import { oneLine } from './output.js';

/** The summary a person reads after a restore: phase, counts, and every problem by namespace. */
export function formatSummary(r: RestoreResult): string {
  const c = r.counts;
  const lines = [
    `restore ${r.restore} of backup ${r.backup}: ${r.phase}${r.dryRun ? ' (dry run: nothing was written)' : ''}`,
    `  objects: ${c.total} (${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.skipped} skipped, ${c.failed} failed)`,
    `  left out by the transform: ${r.skippedByTransform.length + (r.skippedByTransformOmitted ?? 0)}`,
    ...(r.apiRequests ? [`  API server: ${r.apiRequests.requests} requests, ${r.apiRequests.retries} retried, ${r.apiRequests.throttled} answered 429 (throttled; waited out)`] : []),
    ...(r.verified ? [] : ['  backup not verified: it has no Ferry manifest (a Velero backup)']),
    ...(r.phase === 'InProgress' ? ['  out of time: run the same restore again to continue from its checkpoint'] : []),
  ];
  for (const [title, result] of [['errors', r.results.errors], ['warnings', r.results.warnings]] as const) {
    const groups = [...(result.velero?.length ? [['run', result.velero] as const] : []), ...(result.cluster?.length ? [['cluster', result.cluster] as const] : []),
      ...Object.entries(result.namespaces ?? {})];
    if (groups.length === 0) continue;
    lines.push(`  ${title}:`);
    for (const [where, messages] of groups) for (const m of messages) lines.push(`    ${oneLine(where)}: ${oneLine(m)}`);
  }
  return `${lines.join('\n')}\n`;
}
