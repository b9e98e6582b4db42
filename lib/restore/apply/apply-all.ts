import type { Cluster } from '../../kube/cluster.js';
import type { KubeObject } from '../../model/object.js';
import { applyItem, type ExistingResourcePolicy } from './apply-item.js';
import { waitForCrds, type CrdWaitOptions } from './crds.js';
import { serviceAccountKey } from './dry-run.js';
import { createNamespace, namespaceUseOf, planNamespaces, type NamespaceUse } from './namespaces.js';
import { outcomeFor, type ItemOutcome } from './outcome.js';
import { runPool } from '../../pool.js';

/** Objects of one priority group; groups are applied in order, the objects of one group concurrently. */
export interface ApplyGroup<T = KubeObject> {
  /** The group's name in progress output: its groupResource, or `other` for the alphabetical rest. */
  name: string;
  /** The objects, or entries that `load` turns into them when their turn comes. */
  items: readonly T[];
}

/** Where apply records outcomes, and asks which entries an earlier invocation applied already. */
export interface ApplyProgress<T> {
  has(entry: T): boolean;
  record(entry: T, outcome: ItemOutcome): void;
  /** Entries with an outcome so far. */
  readonly done: number;
  /** True when the entry's outcome is `failed`. */
  failed(entry: T): boolean;
}

/** Everything an apply run needs besides the cluster and the groups. */
export interface ApplyAllOptions<T = KubeObject> {
  policy: ExistingResourcePolicy;
  dryRun: boolean;
  /** Objects written at once inside a group. */
  concurrency: number;
  /** Labels put on namespaces the restore creates (the restore labels). */
  namespaceLabels: Record<string, string>;
  crdWait: CrdWaitOptions;
  /** Outcomes already recorded (a resumed restore): these entries are not applied again. Each new outcome is recorded here. */
  progress: ApplyProgress<T>;
  /** Asked before each object: true stops the run (out of invocation time); it can be resumed. */
  shouldStop: () => boolean;
  /** Called after each object with its outcome and the progress of its group and of the run. */
  onOutcome?: (outcome: ItemOutcome, progress: { group: string; groupDone: number; groupTotal: number; done: number; total: number }) => void | Promise<void>;
  /** Loads an entry's object when its turn comes (a restore reads it from its spill); entries are objects by default. */
  load?: (entry: T) => Promise<KubeObject>;
  /** The namespaces the objects use, when the entries cannot say (they are not objects). */
  namespaces?: NamespaceUse;
  /** Bytes an entry's object takes, and how many may be loaded at once (a larger object still goes, alone). */
  budget?: { sizeOf: (entry: T) => number; maxBytes: number };
  /**
   * Called once each group is applied, before the next one starts, with its name and a loader of its objects (volume
   * data fills the restored claims here). false stops the run there, unfinished (work left for the next invocation).
   */
  afterGroup?: (name: string, objects: () => Promise<KubeObject[]>) => Promise<boolean | void>;
}

const CRD_GROUP = 'customresourcedefinitions.apiextensions.k8s.io';

/** Applies the groups in order. Returns `finished: false` when it stopped early (resume to finish). */
export async function applyAll<T = KubeObject>(cluster: Cluster, groups: readonly ApplyGroup<T>[], options: ApplyAllOptions<T>): Promise<{ finished: boolean }> {
  const total = groups.reduce((n, g) => n + g.items.length, 0);
  const use = options.namespaces ?? namespaceUseOf(groups.flatMap((g) => g.items) as unknown as KubeObject[]);
  const plan = await planNamespaces(cluster, use);
  if (!options.dryRun) {
    // Namespaces the backup brings are created in their own priority group, with their own labels.
    const create = [...plan.missing].filter((ns) => !plan.brought.has(ns)).sort();
    await runPool(create, options.concurrency, (ns) => createNamespace(cluster, ns, options.namespaceLabels));
  }
  const progress = options.progress;
  let done = progress.done;
  const load = options.load ?? (async (entry: T) => entry as unknown as KubeObject);
  const budget = options.budget ? new ByteBudget(options.budget.maxBytes) : undefined;
  // A dry run's ServiceAccounts, which the real run would have created before the pods that use them.
  const serviceAccounts = new Set<string>();
  const noteServiceAccount = (obj: KubeObject, failed: boolean) => {
    if (options.dryRun && obj.apiVersion === 'v1' && obj.kind === 'ServiceAccount' && !failed) {
      serviceAccounts.add(serviceAccountKey(obj.metadata.namespace ?? '', obj.metadata.name ?? ''));
    }
  };
  for (const group of groups) {
    let groupDone = 0;
    // The group's CRDs, applied now or before, to wait for until Established.
    const crds: { entry: T; crd: KubeObject }[] = [];
    const noteCrd = (entry: T, obj: KubeObject) => {
      if (group.name === CRD_GROUP) crds.push({ entry, crd: { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: obj.metadata.name } } });
    };
    const started = await runPool(group.items, options.concurrency, async (entry) => {
      // Applied by an earlier invocation of this restore: not again (a CRD is still waited for).
      if (progress.has(entry)) {
        if (group.name === CRD_GROUP || options.dryRun) {
          const obj = await load(entry);
          noteCrd(entry, obj);
          noteServiceAccount(obj, progress.failed(entry));
        }
        groupDone++;
        return;
      }
      const bytes = options.budget?.sizeOf(entry) ?? 0;
      await budget?.take(bytes);
      let outcome: ItemOutcome;
      try {
        const obj = await load(entry);
        outcome = await applyItem(cluster, obj, {
          policy: options.policy, dryRun: options.dryRun, missingNamespaces: options.dryRun ? plan.missing : undefined, dryRunServiceAccounts: serviceAccounts,
        });
        noteCrd(entry, obj);
        noteServiceAccount(obj, outcome.status === 'failed');
      } finally {
        budget?.give(bytes);
      }
      progress.record(entry, outcome);
      await options.onOutcome?.(outcome, { group: group.name, groupDone: ++groupDone, groupTotal: group.items.length, done: ++done, total });
    }, options.shouldStop);
    if (started < group.items.length) return { finished: false };
    if (group.name === CRD_GROUP && !options.dryRun) await waitForEstablished(cluster, crds, options);
    if ((await options.afterGroup?.(group.name, () => Promise.all(group.items.map(load)))) === false) return { finished: false };
  }
  return { finished: true };
}

async function waitForEstablished<T>(cluster: Cluster, crds: readonly { entry: T; crd: KubeObject }[], options: ApplyAllOptions<T>): Promise<void> {
  const names = crds.filter((c) => !options.progress.failed(c.entry)).map((c) => c.crd.metadata.name ?? '');
  const late = new Set(await waitForCrds(cluster, names, options.crdWait));
  for (const { entry, crd } of crds.filter((c) => late.has(c.crd.metadata.name ?? ''))) {
    options.progress.record(entry, outcomeFor(crd, 'failed', `not Established within ${Math.round(options.crdWait.timeoutMs / 1000)} s; its custom resources cannot be restored`));
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
