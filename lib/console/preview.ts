/**
 * A restore's preview, before anything is applied: the backup's objects through the same pure pipeline as
 * `ferry transform` (stages 1 to 7), each shown as a diff against the backup, and the target API server's own
 * verdicts from a dry run of the restore function (every object sent with dryRun=All, nothing persisted).
 */
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { unifiedDiff } from '../cli/transform-diff.js';
import { offlineResolver } from '../model/resources.js';
import { crdListMapKeysFrom, parseResourceModifiers } from '../restore/modifiers/index.js';
import { transformAll } from '../restore/pipeline.js';
import { readBackupItems } from '../restore/read-backup.js';
import { resourcesFromCrds } from '../restore/read-manifests.js';
import type { ItemOutcome } from '../restore/apply/outcome.js';
import { readResult } from '../restore/result-store.js';
import { privilegedRoleKeys } from '../restore/stages/privileged-rbac.js';
import { volumesToReprovision } from '../restore/stages/reprovision-volumes.js';
import type { TransformItem } from '../restore/types.js';
import { checkBackup, openPinnedTarball } from '../restore/verify-backup.js';
import type { ConsoleDeps } from './deps.js';
import { ConsoleError } from './errors.js';
import type { RestoreRequestForm } from './restore-form.js';

/** Most objects a preview shows: a larger backup is previewed with `ferry transform --diff`. */
export const MAX_PREVIEW_OBJECTS = 5000;

/** One object as it would be restored. */
export interface PreviewObject {
  groupResource: string;
  kind: string;
  /** `namespace/name` in the backup, and in the target after mapping. */
  from: string;
  to: string;
  /** Unified diff of the backup's YAML against the restored YAML ("" when unchanged). */
  diff: string;
  /** The target API server's verdict from the dry run, when it ran. */
  dryRun?: Pick<ItemOutcome, 'status' | 'message' | 'warning'>;
}

/** The preview. */
export interface RestorePreview {
  restore: string;
  backup: string;
  targetCluster: string;
  objects: PreviewObject[];
  skipped: { kind: string; from: string; reason: string }[];
  problems: { severity: 'warning' | 'error'; object: string; message: string }[];
  /** The dry run's phase and counts, or why it did not run. */
  dryRun: { phase: string; counts: Record<string, number>; restore: string } | { failure: string };
}

/** Runs the transform and the dry run for a validated form. */
export async function previewRestore(deps: Pick<ConsoleDeps, 'store' | 'layout' | 'location' | 'functions'>, form: RestoreRequestForm): Promise<RestorePreview> {
  const backup = form.spec.backupName!;
  const items = await readItems(deps, backup);
  const resolve = offlineResolver(resourcesFromCrds(items.filter((i) => i.object.kind === 'CustomResourceDefinition').map((i) => i.object)));
  const source = form.spec.resourceModifier;
  const modifiers = source && 'inline' in source ? parseResourceModifiers(stringify(source.inline), 'modifiers') : undefined;
  const result = transformAll(items, {
    spec: form.spec, backupName: backup, restoreName: form.spec.name, resolve, privilegedRoles: privilegedRoleKeys(items),
    reprovisionVolumes: volumesToReprovision(items),
    ...(modifiers ? { modifiers, crdListMapKeys: crdListMapKeysFrom(items.filter((i) => i.object.kind === 'CustomResourceDefinition').map((i) => i.object)) } : {}),
  });
  const dry = await dryRun(deps, form);
  const verdicts = new Map('items' in dry ? dry.items.map((o) => [`${o.kind}/${o.namespace}/${o.name}`, o]) : []);
  const objects = result.items.map((item): PreviewObject => {
    const to = where(item.object.metadata.namespace ?? '', item.object.metadata.name ?? '');
    const verdict = verdicts.get(`${item.object.kind}/${item.object.metadata.namespace ?? ''}/${item.object.metadata.name ?? ''}`);
    return {
      groupResource: item.groupResource, kind: item.object.kind, from: where(item.backupNamespace, item.original.metadata.name ?? ''), to,
      diff: unifiedDiff(stringify(item.original), stringify(item.object), 'backup', 'restore'),
      ...(verdict ? { dryRun: { status: verdict.status, ...(verdict.message ? { message: verdict.message } : {}), ...(verdict.warning ? { warning: true } : {}) } } : {}),
    };
  });
  return {
    restore: form.spec.name, backup, targetCluster: form.targetCluster, objects,
    skipped: result.skipped.map((s) => ({ kind: s.item.original.kind, from: where(s.item.backupNamespace, s.item.original.metadata.name ?? ''), reason: `${s.stage}: ${s.reason}` })),
    problems: result.problems.map((p) => ({ severity: p.severity, object: `${p.kind} ${where(p.namespace, p.name)}`, message: `${p.stage}: ${p.message}` })),
    dryRun: 'items' in dry ? { phase: dry.phase, counts: dry.counts, restore: dry.restore } : dry,
  };
}

async function readItems(deps: Pick<ConsoleDeps, 'store' | 'layout' | 'location'>, backup: string): Promise<TransformItem[]> {
  let checked;
  try {
    checked = await checkBackup(backup, deps);
  } catch (err) {
    throw new ConsoleError(404, (err as Error).message, [], { cause: err });
  }
  if (!checked.tarball) throw new ConsoleError(409, `backup ${backup} is ${checked.verdict.phase} and has no tarball: nothing to preview`);
  const stream = await openPinnedTarball(deps.store, checked.tarball);
  const items: TransformItem[] = [];
  const unreadable: string[] = [];
  for await (const item of readBackupItems(stream.body, offlineResolver(), (e) => unreadable.push(`${e.path}: ${e.reason}`))) {
    if (items.length >= MAX_PREVIEW_OBJECTS) {
      stream.body.destroy();
      throw new ConsoleError(413, `backup ${backup} holds more than ${MAX_PREVIEW_OBJECTS} objects: preview it with \`ferry transform --diff\``);
    }
    items.push(item);
  }
  stream.check();
  return items;
}

type DryRunOutcome = { phase: string; counts: Record<string, number>; restore: string; items: ItemOutcome[] } | { failure: string };

/**
 * Runs the restore function as a dry run under a name of its own (`<restore>-dry-<random>`), so that each preview
 * is judged anew and the real restore's name stays free; reads its stored per-object outcomes.
 */
async function dryRun(deps: Pick<ConsoleDeps, 'store' | 'layout' | 'functions'>, form: RestoreRequestForm): Promise<DryRunOutcome> {
  const name = `${form.spec.name.slice(0, 200)}-dry-${randomBytes(3).toString('hex')}`;
  const document = { ...form.document, metadata: { name } };
  try {
    await deps.functions.call('restore', { spec: document, cluster: form.targetCluster, dryRun: true });
    const result = await readResult(deps.store, deps.layout, name, { dryRun: true });
    return { phase: result.phase, counts: result.counts, restore: name, items: result.items };
  } catch (err) {
    return { failure: (err as Error).message };
  }
}

function where(namespace: string, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}
