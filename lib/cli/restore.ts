import { resolve } from 'node:path';
import { ConfigError, loadConfig, openCluster, openStore } from '../compose.js';
import type { ItemOutcome } from '../restore/apply/outcome.js';
import { formatOutcome } from '../restore/apply/outcome.js';
import type { RestoreResult } from '../restore/result.js';
import { RestoreRefusedError, runRestore } from '../restore/run-restore.js';
import { ModifierSourceError } from '../restore/modifier-source.js';
import { parseRestoreSpecText } from '../spec/restore-spec.js';
import { SpecError } from '../spec/problems.js';
import { configPath, flag, has, readCommandArgs, UsageError } from './args.js';
import type { CliIo, Command } from './io.js';

const USAGE = `usage: ferry restore -f <restore.yaml> [--dry-run] [--cluster <name>] [--location <name>] [--config <ferry.yaml>]

Restores the backup an ApplicationRestore or Velero Restore names into a target cluster, transformed on the way
(default fixes, mappings, resource modifiers), in Velero's priority order.

  -f, --file       the restore spec (YAML or JSON)
  --dry-run        run everything with server-side dry run: the API server validates, nothing is written
  --cluster        the target cluster (default: spec.targetCluster)
  --location       the storage location holding the backup (default: the config's default)
  --concurrency    objects written at once inside a priority group (default 16)
  --config         Ferry's config (default: $FERRY_CONFIG, else ./ferry.yaml)

Running the same restore again resumes it, or prints its stored result when it has finished.
Exit 0: Completed; 1: PartiallyFailed; 2: bad input or the restore was refused.
`;

const FLAGS = { file: true, 'dry-run': false, cluster: true, location: true, concurrency: true, config: true };

/** `ferry restore`: validates the spec, restores with progress on stderr, prints the summary. */
export const run: Command = async (argv, io) => {
  const args = readCommandArgs('restore', USAGE, argv, FLAGS, { '-f': 'file' }, io);
  if (typeof args === 'number') return args;
  const file = flag(args, 'file');
  const concurrency = Number(flag(args, 'concurrency') ?? 16);
  if (!file || args.positional.length > 0 || !Number.isInteger(concurrency) || concurrency < 1) {
    const why = !file ? 'a spec is required (-f restore.yaml)' : args.positional.length > 0 ? `unexpected argument ${args.positional[0]}` : '--concurrency must be a whole number of at least 1';
    io.stderr(`ferry restore: ${why}\n\n${USAGE}`);
    return 2;
  }
  let prepared;
  try {
    const text = (await io.readFile(resolve(io.cwd, file)).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read ${file}: ${err.code ?? err.message}`);
    })).toString('utf8');
    const spec = parseRestoreSpecText(text, file);
    const config = await loadConfig(configPath(flag(args, 'config'), io), io.env);
    const clusterName = flag(args, 'cluster') ?? spec.targetCluster;
    if (!clusterName) throw new UsageError(`name the target cluster with --cluster or spec.targetCluster (known: ${Object.keys(config.clusters).join(', ')})`);
    prepared = { spec, clusterName, location: openStore(config, flag(args, 'location')), cluster: await openCluster(config, clusterName) };
  } catch (err) {
    if (err instanceof SpecError || err instanceof ConfigError || err instanceof UsageError) {
      io.stderr(`ferry restore: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const { spec, clusterName, location, cluster } = prepared;
  const dryRun = has(args, 'dry-run') || spec.dryRun;
  io.stderr(`restoring backup ${spec.backupName} from ${location.name} into cluster ${clusterName} as ${spec.name}${dryRun ? ' (dry run)' : ''}\n`);
  const progress = new RestoreProgress(io);
  try {
    const result = await runRestore({ name: spec.name, spec, dryRun, targetCluster: clusterName }, {
      store: location.store, layout: location.layout, location: location.name, cluster, now: () => new Date(), concurrency,
      log: { info: (m) => io.stderr(`${m}\n`), warn: (m) => io.stderr(`warning: ${m}\n`) },
      onProgress: (outcome, p) => progress.update(outcome, p),
    });
    progress.end();
    io.stdout(formatSummary(result));
    return result.phase === 'Completed' ? 0 : 1;
  } catch (err) {
    progress.end();
    if (err instanceof RestoreRefusedError || err instanceof ModifierSourceError || err instanceof SpecError) {
      io.stderr(`ferry restore: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    cluster.close();
  }
};

/** Progress on stderr: objects done of total and per priority group; problems as they happen. */
class RestoreProgress {
  private drawn = false;
  private last = 0;

  constructor(private readonly io: CliIo) {}

  update(outcome: ItemOutcome, p: { group: string; groupDone: number; groupTotal: number; done: number; total: number }): void {
    if (outcome.status === 'failed' || outcome.warning) this.line(`${outcome.status === 'failed' ? 'error' : 'warning'}: ${formatOutcome(outcome)}`);
    const text = `${p.done}/${p.total} objects; ${p.group} ${p.groupDone}/${p.groupTotal}`;
    if (this.io.interactive) {
      if (Date.now() - this.last < 100 && p.done < p.total) return;
      this.last = Date.now();
      this.io.stderr(`\r\x1b[K${text}`);
      this.drawn = true;
    } else if (p.groupDone === p.groupTotal) {
      this.io.stderr(`  ${text}\n`);
    }
  }

  private line(text: string): void {
    this.io.stderr(`${this.drawn ? '\r\x1b[K' : ''}${text}\n`);
    this.drawn = false;
  }

  end(): void {
    if (this.drawn) this.io.stderr('\n');
    this.drawn = false;
  }
}

/** The summary a person reads after a restore: phase, counts, and every problem by namespace. */
export function formatSummary(r: RestoreResult): string {
  const c = r.counts;
  const lines = [
    `restore ${r.restore} of backup ${r.backup}: ${r.phase}${r.dryRun ? ' (dry run: nothing was written)' : ''}`,
    `  objects: ${c.total} (${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.skipped} skipped, ${c.failed} failed)`,
    `  left out by the transform: ${r.skippedByTransform.length}`,
    ...(r.apiRequests ? [`  API server: ${r.apiRequests.requests} requests, ${r.apiRequests.retries} retried, ${r.apiRequests.throttled} answered 429 (throttled; waited out)`] : []),
    ...(r.verified ? [] : ['  backup not verified: it has no Ferry manifest (a Velero backup)']),
    ...(r.phase === 'InProgress' ? ['  out of time: run the same restore again to continue from its checkpoint'] : []),
  ];
  for (const [title, result] of [['errors', r.results.errors], ['warnings', r.results.warnings]] as const) {
    const groups = [...(result.velero?.length ? [['run', result.velero] as const] : []), ...(result.cluster?.length ? [['cluster', result.cluster] as const] : []),
      ...Object.entries(result.namespaces ?? {})];
    if (groups.length === 0) continue;
    lines.push(`  ${title}:`);
    for (const [where, messages] of groups) for (const m of messages) lines.push(`    ${where}: ${m}`);
  }
  return `${lines.join('\n')}\n`;
}
