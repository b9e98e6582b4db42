/**
 * A restore's progress by priority group, from what the bucket keeps: the backup's counts by resource (its
 * catalog entry) give each group's size, in Velero's apply order; the checkpoint's (or the result's) outcomes
 * give how many of each are done. Pure: the readers pass the records in.
 */
import type { ItemCounts } from '../catalog/types.js';
import type { GroupOutcomes } from '../restore/apply/checkpoint.js';
import { groupResourceOf, offlineResolver } from '../model/resources.js';
import type { ItemOutcome, ItemStatus } from '../restore/apply/outcome.js';
import { orderGroupResources } from '../restore/ordering.js';

/** One priority group: a groupResource, how many of its objects the backup holds, and what became of them so far. */
export interface GroupProgress {
  groupResource: string;
  /** Objects of the group in the backup (some may be skipped by the transform, so done may stay below it). */
  total: number;
  done: number;
  byStatus: Partial<Record<ItemStatus, number>>;
}

/** Groups outcomes by priority group, in apply order; groups the backup's counts do not name come from the outcomes. */
export function progressByGroup(counts: ItemCounts | undefined, outcomes: readonly ItemOutcome[]): GroupProgress[] {
  const resolve = offlineResolver();
  const groups = new Map<string, GroupProgress>();
  const group = (gr: string) => {
    let g = groups.get(gr);
    if (!g) groups.set(gr, (g = { groupResource: gr, total: 0, done: 0, byStatus: {} }));
    return g;
  };
  for (const [gr, n] of Object.entries(counts?.byResource ?? {})) group(gr).total = n;
  for (const o of outcomes) {
    const g = group(groupResourceOf(resolve, o.apiVersion, o.kind));
    g.done++;
    g.byStatus[o.status] = (g.byStatus[o.status] ?? 0) + 1;
  }
  return orderGroupResources(groups.keys()).map((gr) => groups.get(gr)!);
}

/** Progress by priority group from a checkpoint's groups: each group's size is its number of entries in the plan. */
export function progressOfPlanGroups(groups: readonly GroupOutcomes[]): GroupProgress[] {
  return groups.map((g) => ({
    groupResource: g.name, total: g.entries, byStatus: { ...g.byStatus },
    done: Object.values(g.byStatus).reduce((n, c) => n + c, 0),
  }));
}
