import type { Cluster } from '../../kube/cluster.js';
import type { KubeObject } from '../../model/object.js';
import { applyItem, type ExistingResourcePolicy } from './apply-item.js';
import { waitForCrds, type CrdWaitOptions } from './crds.js';
import { createNamespace, planNamespaces } from './namespaces.js';
import { itemKey, outcomeFor, type ItemOutcome } from './outcome.js';
import { runPool } from '../../pool.js';

/** What apply needs to know of an object before loading it: its identity (an object itself is one). */
export type ApplyEntry = Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>;

/** Objects of one priority group; groups are applied in order, the objects of one group concurrently. */
export interface ApplyGroup<T extends ApplyEntry = KubeObject> {
  /** The group's name in progress output: its groupResource, or `other` for the alphabetical rest. */
  name: string;
  items: T[];
}

/** Everything an apply run needs besides the cluster and the groups. */
export interface ApplyAllOptions<T extends ApplyEntry = KubeObject> {
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
  /** Loads an entry's object when its turn comes (a restore reads it from its spill); entries are objects by default. */
  load?: (entry: T) => Promise<KubeObject>;
  /** Bytes an entry's object takes, and how many may be loaded at once (a larger object still goes, alone). */
  budget?: { sizeOf: (entry: T) => number; maxBytes: number };
}

const CRD_GROUP = 'customresourcedefinitions.apiextensions.k8s.io';

/** Applies the groups in order. Returns `finished: false` when it stopped early (resume to finish). */
export async function applyAll<T extends ApplyEntry = KubeObject>(cluster: Cluster, groups: readonly ApplyGroup<T>[],
  options: ApplyAllOptions<T>): Promise<{ finished: boolean }> {
  const total = groups.reduce((n, g) => n + g.items.length, 0);
  const plan = await planNamespaces(cluster, groups.flatMap((g) => g.items));
  if (!options.dryRun) {
    // Namespaces the backup brings are created in their own priority group, with their own labels.
    const create = [...plan.missing].filter((ns) => !plan.brought.has(ns)).sort();
    await runPool(create, options.concurrency, (ns) => createNamespace(cluster, ns, options.namespaceLabels));
  }
  let done = Object.keys(options.done).length;
  const load = options.load ?? (async (entry: T) => entry as unknown as KubeObject);
  const budget = options.budget ? new ByteBudget(options.budget.maxBytes) : undefined;
  for (const group of groups) {
    const pending = group.items.filter((o) => !options.done[itemKey(o)]);
    let groupDone = group.items.length - pending.length;
    const started = await runPool(pending, options.concurrency, async (entry) => {
      const bytes = options.budget?.sizeOf(entry) ?? 0;
      await budget?.take(bytes);
      let applied: ItemOutcome;
      try {
        applied = await applyItem(cluster, await load(entry), {
          policy: options.policy, dryRun: options.dryRun, missingNamespaces: options.dryRun ? plan.missing : undefined,
        });
      } finally {
        budget?.give(bytes);
      }
      // The outcome names the object with the entry's strings, so the loaded object can be freed.
      const outcome = { ...applied, apiVersion: entry.apiVersion, kind: entry.kind, namespace: entry.metadata.namespace ?? '', name: entry.metadata.name ?? '' };
      options.done[itemKey(entry)] = outcome;
      await options.onOutcome?.(outcome, { group: group.name, groupDone: ++groupDone, groupTotal: group.items.length, done: ++done, total });
    }, options.shouldStop);
    if (started < pending.length) return { finished: false };
    if (group.name === CRD_GROUP && !options.dryRun) await waitForEstablished(cluster, group, options);
  }
  return { finished: true };
}

async function waitForEstablished<T extends ApplyEntry>(cluster: Cluster, group: ApplyGroup<T>, options: ApplyAllOptions<T>): Promise<void> {
  const names = group.items.filter((o) => options.done[itemKey(o)]?.status !== 'failed').map((o) => o.metadata.name ?? '');
  const late = await waitForCrds(cluster, names, options.crdWait);
  for (const name of late) {
    const crd = group.items.find((o) => o.metadata.name === name)!;
    options.done[itemKey(crd)] = outcomeFor(crd, 'failed', `not Established within ${Math.round(options.crdWait.timeoutMs / 1000)} s; its custom resources cannot be restored`);
  }
}

/** Bytes of objects loaded at once: take waits while the budget is spent (an entry larger than it waits for all of it). */
class ByteBudget {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async take(bytes: number): Promise<void> {
    while (this.used > 0 && this.used + bytes > this.max) await new Promise<void>((wake) => this.waiting.push(wake));
    this.used += bytes;
  }

  give(bytes: number): void {
    this.used -= bytes;
    for (const wake of this.waiting.splice(0)) wake();
  }
}
