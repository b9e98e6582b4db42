import { resolve } from 'node:path';
import { BackupExistsError } from '../backup/errors.js';
import { backupForDocument, chooseSourceCluster } from '../backup/request.js';
import { runBackup } from '../backup/run-backup.js';
import type { BackupOutcome, BackupProgress } from '../backup/types.js';
import { indexBackup, type IndexOutcome } from '../catalog/index-backup.js';
import { silentLog } from '../catalog/types.js';
import type { Result } from '../model/results.js';
import { parseBackupDocumentText } from '../spec/backup-spec.js';
import { flag, readCommandArgs, UsageError } from './args.js';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.js';
import { redraw, type CliIo, type Command } from './io.js';
import { connectCluster, openLocation, readConfig } from './open.js';
import { formatBytes, oneLine, plural } from './output.js';

export { formatBytes } from './output.js';
import { volumeMoverDeps } from '../volumes/open-mover.js';

const USAGE = `usage: ferry backup -f <spec.yaml> [--config <ferry.yaml>] [--cluster <name>]

Backs up the resources an ApplicationBackup, BackupSchedule or Velero Backup/Schedule selects, into its storage
location (a schedule takes one backup now, named <schedule>-<YYYYMMDDHHMMSS>), then judges the backup as the index
function does and writes its catalog entry, so \`ferry backups describe\` shows it with or without the functions.

  -f, --filename  the spec (YAML or JSON); --file also works
  --config        Ferry's config (default: $FERRY_CONFIG, else ./ferry.yaml)
  --cluster       the cluster to back up (default: spec.sourceCluster, else the config's defaultCluster)

Progress goes to stderr, the summary to stdout. Exit 1 when the backup is PartiallyFailed or Failed.

${EXIT_CODES_HELP}`;

/** `ferry backup`: validates the spec, takes the backup with progress on stderr, catalogs it, prints a summary. */
export const run: Command = async (argv, io) => {
  const args = readCommandArgs('backup', USAGE, argv, { filename: true, config: true, cluster: true }, { '-f': 'filename', '--file': 'filename' }, io);
  if (typeof args === 'number') return args;
  const file = flag(args, 'filename');
  if (!file || args.positional.length > 0) {
    io.stderr(`ferry backup: ${file ? `unexpected argument ${args.positional[0]}` : 'a spec is required (-f spec.yaml)'}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const text = (await io.readFile(resolve(io.cwd, file)).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file}: ${err.code ?? err.message}`);
  })).toString('utf8');
  const request = backupForDocument(parseBackupDocumentText(text, file), new Date());
  if ('paused' in request) {
    io.stdout(`schedule ${request.paused} is paused: no backup taken\n`);
    return EXIT.ok;
  }
  const spec = request.backup;
  const config = await readConfig(flag(args, 'config'), io);
  const clusterName = chooseSourceCluster(config, spec, flag(args, 'cluster'));
  const location = openLocation(config, spec.storageLocation, io);
  const cluster = await connectCluster(config, clusterName, io);
  const progress = new ProgressPrinter(io);
  io.stderr(`backing up cluster ${clusterName} into ${location.name} as ${spec.name}\n`);
  // A signal stops the run, which records Failed before the process ends (not InProgress until its deadline).
  const stop = new AbortController();
  const unwatch = io.onSignal?.((signal) => {
    progress.note(`${signal}: stopping; the backup is being recorded Failed (send it again to quit at once)`);
    stop.abort(new Error(`interrupted by ${signal}`));
  });
  try {
    const outcome = await runBackup(spec, {
      store: location.store, layout: location.layout, cluster, clock: () => new Date(), storageLocation: location.name, sourceCluster: clusterName,
      signal: stop.signal, failureRecordMs: CLI_FAILURE_RECORD_MS,
      onProgress: (p) => progress.update(p), ...volumeMoverDeps(location, cluster),
      log: { info: () => undefined, warn: (message) => progress.note(message) },
    });
    progress.end();
    // The backup is judged and cataloged here as the index function would on the bucket's event (the same code).
    const indexed = await indexBackup(spec.name, { store: location.store, layout: location.layout, now: () => new Date(), log: silentLog })
      .catch((err: Error) => { io.stderr(`warning: the backup could not be cataloged: ${err.message}\n`); return undefined; });
    io.stdout(summary(outcome, `s3://${location.location.bucket}/${location.layout.backupPrefix(spec.name)}`, indexed));
    return outcome.phase === 'Completed' && (!indexed?.phase || indexed.phase === 'Completed') ? EXIT.ok : EXIT.failed;
  } catch (err) {
    progress.end();
    if (err instanceof BackupExistsError) {
      throw new UsageError(`${err.message}; \`ferry backups delete ${spec.name}\` frees the name if that backup is not wanted`, { cause: err });
    }
    throw err;
  } finally {
    unwatch?.();
    cluster.close();
  }
};

/** How long `ferry backup` keeps trying to record a failure while the bucket does not take it: its process lives on. */
export const CLI_FAILURE_RECORD_MS = 10 * 60_000;

/** Prints progress on stderr: one redrawn line on a terminal, a line per finished resource type otherwise. */
class ProgressPrinter {
  private last = 0;
  private drawn = false;

  constructor(private readonly io: CliIo, private readonly intervalMs = 100) {}

  update(p: BackupProgress): void {
    if (!this.io.interactive) {
      if (p.finished && p.finished.items > 0) {
        this.io.stderr(`  ${oneLine(p.finished.groupResource)}: ${plural(p.finished.items, 'item')} (${p.typesDone}/${plural(p.typesTotal, 'type')}; ${written(p)})\n`);
      }
      return;
    }
    const now = Date.now();
    if (now - this.last < this.intervalMs && !p.finished) return;
    this.last = now;
    const kinds = Object.entries(p.byResource).sort(([, a], [, b]) => b - a);
    const top = kinds.slice(0, 3).map(([gr, n]) => `${gr} ${n}`).join(', ');
    redraw(this.io, `${plural(p.itemsBackedUp, 'item')}${top ? ` (${top}${kinds.length > 3 ? ', ...' : ''})` : ''}; ${written(p)}; ${p.typesDone}/${plural(p.typesTotal, 'type')}`);
    this.drawn = true;
  }

  note(message: string): void {
    this.io.stderr(`${this.drawn ? '\n' : ''}warning: ${oneLine(message)}\n`);
    this.drawn = false;
  }

  end(): void {
    if (this.drawn) this.io.stderr('\n');
    this.drawn = false;
  }
}

/** What has been written: the items' bytes archived, and the compressed bytes the bucket has received so far. */
function written(p: BackupProgress): string {
  return `${formatBytes(p.bytesArchived ?? 0)} archived, ${formatBytes(p.bytesWritten)} compressed so far`;
}

/** The summary a user reads after the run; `indexed` is what the catalog now says of the backup. */
export function summary(o: BackupOutcome, where: string, indexed?: IndexOutcome): string {
  const seconds = ((o.completedAt.getTime() - o.startedAt.getTime()) / 1000).toFixed(1);
  const tarball = Object.entries(o.files).find(([f]) => f.endsWith('.tar.gz'))?.[1];
  const width = Math.max(0, ...Object.keys(o.byResource).map((k) => k.length));
  const lines = [
    `backup ${o.name}: ${o.phase} in ${seconds}s`,
    `  where:    ${where}`,
    `  items:    ${o.itemsBackedUp}${tarball ? ` (${formatBytes(tarball.size)} compressed)` : ''}`,
    ...Object.entries(o.byResource).map(([gr, n]) => `    ${oneLine(gr).padEnd(width)}  ${String(n).padStart(6)}`),
    `  expires:  ${o.expiresAt.toISOString()}`,
    ...(o.failureReason ? [`  failure:  ${oneLine(o.failureReason)}`] : []),
    `  warnings: ${o.warnings}`, ...messages(o.results.warnings),
    `  errors:   ${o.errors}`, ...messages(o.results.errors),
    ...(o.manifestKey ? [] : ['  not committed: no ferry-manifest.json was written, so this backup cannot be restored']),
    ...(indexed?.phase ? [`  catalog:  ${indexed.phase}${indexed.phase === 'Completed' ? ', verified against its manifest' : `: ${oneLine(indexed.problems?.[0] ?? '')}`}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

function messages(result: Result): string[] {
  return [
    ...(result.velero ?? []).map((m) => `    - ${oneLine(m)}`),
    ...(result.cluster ?? []).map((m) => `    - (cluster) ${oneLine(m)}`),
    ...Object.entries(result.namespaces ?? {}).flatMap(([ns, list]) => list.map((m) => `    - ${oneLine(ns)}: ${oneLine(m)}`)),
  ];
}
