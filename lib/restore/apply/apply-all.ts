import type { Cluster } from '../../kube/cluster.js';
import type { KubeObject } from '../../model/object.js';
import { applyItem, type ExistingResourcePolicy } from './apply-item.js';
import { waitForCrds, type CrdWaitOptions } from './crds.js';
import { createNamespace, planNamespaces } from './namespaces.js';
import { itemKey, outcomeFor, type ItemOutcome } from './outcome.js';
import { runPool } from '../../pool.js';

/** Objects of one priority group; groups are applied in order, the objects of one group concurrently. */
export interface ApplyGroup {
  /** The group's name in progress output: its groupResource, or `other` for the alphabetical rest. */
  name: string;
  items: KubeObject[];
}

/** Everything an apply run needs besides the cluster and the groups. */
export interface ApplyAllOptions {
  policy: ExistingResourcePolicy;
  dryRun: boolean;
  /** Objects written at once inside a group. */
  concurrency: number;
  /** Labels put on namespaces the restore creates (the restore labels). */
  namespaceLabels: Record<string, string>;
  crdWait: CrdWaitOptions;
  /** Outcomes already recorded (a resumed restore); these objects are not applied again. Updated in place. */
  done: Record<string, ItemOutcome>;
  /** Asked before each object: true stops the run (out of invocation time); it can be resumed. */
  shouldStop: () => boolean;
  /** Called after each object with its outcome and the progress of its group and of the run. */
  onOutcome?: (outcome: ItemOutcome, progress: { group: string; groupDone: number; groupTotal: number; done: number; total: number }) => void | Promise<void>;
  /** Called once each group is applied, before the next one starts (volume data fills the restored claims here). */
  afterGroup?: (group: ApplyGroup) => Promise<void>;
}

const CRD_GROUP = 'customresourcedefinitions.apiextensions.k8s.io';

/** Applies the groups in order. Returns `finished: false` when it stopped early (resume to finish). */
export async function applyAll(cluster: Cluster, groups: readonly ApplyGroup[], options: ApplyAllOptions): Promise<{ finished: boolean }> {
  const all = groups.flatMap((g) => g.items);
  const total = all.length;
  const plan = await planNamespaces(cluster, all);
  if (!options.dryRun) {
    // Namespaces the backup brings are created in their own priority group, with their own labels.
    const create = [...plan.missing].filter((ns) => !plan.brought.has(ns)).sort();
    await runPool(create, options.concurrency, (ns) => createNamespace(cluster, ns, options.namespaceLabels));
  }
  let done = Object.keys(options.done).length;
  for (const group of groups) {
    const pending = group.items.filter((o) => !options.done[itemKey(o)]);
    let groupDone = group.items.length - pending.length;
    const started = await runPool(pending, options.concurrency, async (obj) => {
      const outcome = await applyItem(cluster, obj, {
        policy: options.policy, dryRun: options.dryRun, missingNamespaces: options.dryRun ? plan.missing : undefined,
      });
      options.done[itemKey(obj)] = outcome;
      await options.onOutcome?.(outcome, { group: group.name, groupDone: ++groupDone, groupTotal: group.items.length, done: ++done, total });
    }, options.shouldStop);
    if (started < pending.length) return { finished: false };
    if (group.name === CRD_GROUP && !options.dryRun) await waitForEstablished(cluster, group, options);
    await options.afterGroup?.(group);
  }
  return { finished: true };
}

async function waitForEstablished(cluster: Cluster, group: ApplyGroup, options: ApplyAllOptions): Promise<void> {
  const names = group.items.filter((o) => options.done[itemKey(o)]?.status !== 'failed').map((o) => o.metadata.name ?? '');
  const late = await waitForCrds(cluster, names, options.crdWait);
  for (const name of late) {
    const crd = group.items.find((o) => o.metadata.name === name)!;
    options.done[itemKey(crd)] = outcomeFor(crd, 'failed', `not Established within ${Math.round(options.crdWait.timeoutMs / 1000)} s; its custom resources cannot be restored`);
  }
}
