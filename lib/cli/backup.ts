import { resolve } from 'node:path';
import { BackupExistsError } from '../backup/errors.js';
import { backupForDocument, chooseSourceCluster, SourceClusterError } from '../backup/request.js';
import { runBackup } from '../backup/run-backup.js';
import type { BackupOutcome, BackupProgress } from '../backup/types.js';
import { ConfigError, loadConfig, openCluster, openStore } from '../compose.js';
import type { Result } from '../model/results.js';
import { parseBackupDocumentText } from '../spec/backup-spec.js';
import { SpecError } from '../spec/problems.js';
import { flag, has, parseArgs, UsageError } from './args.js';
import type { CliIo, Command } from './io.js';

const USAGE = `usage: ferry backup -f <spec.yaml> [--config <ferry.yaml>] [--cluster <name>]

Backs up the resources an ApplicationBackup, BackupSchedule or Velero Backup/Schedule selects, into its storage
location (a schedule takes one backup now, named <schedule>-<YYYYMMDDHHMMSS>).

  -f, --file      the spec (YAML or JSON)
  --config        Ferry's config (default: $FERRY_CONFIG, else ./ferry.yaml)
  --cluster       the cluster to back up (default: spec.sourceCluster, else the config's defaultCluster)

Progress goes to stderr, the summary to stdout. Exit 0: Completed; 1: PartiallyFailed or Failed; 2: bad input.
`;

/** `ferry backup`: validates the spec, takes the backup with progress on stderr, prints a summary. */
export const run: Command = async (argv, io) => {
  let args;
  try {
    args = parseArgs(argv, { file: true, config: true, cluster: true, help: false }, { '-f': 'file', '-h': 'help' });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`ferry backup: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (has(args, 'help')) {
    io.stdout(USAGE);
    return 0;
  }
  const file = flag(args, 'file');
  if (!file || args.positional.length > 0) {
    io.stderr(`ferry backup: ${file ? `unexpected argument ${args.positional[0]}` : 'a spec is required (-f spec.yaml)'}\n\n${USAGE}`);
    return 2;
  }
  const now = new Date();
  let prepared;
  try {
    const specPath = resolve(io.cwd, file);
    const text = (await io.readFile(specPath).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read ${file}: ${err.code ?? err.message}`);
    })).toString('utf8');
    const request = backupForDocument(parseBackupDocumentText(text, file), now);
    if ('paused' in request) {
      io.stdout(`schedule ${request.paused} is paused: no backup taken\n`);
      return 0;
    }
    const configPath = resolve(io.cwd, flag(args, 'config') ?? io.env.FERRY_CONFIG ?? 'ferry.yaml');
    const config = await loadConfig(configPath, io.env);
    const clusterName = chooseSourceCluster(config, request.backup, flag(args, 'cluster'));
    prepared = { spec: request.backup, location: openStore(config, request.backup.storageLocation), cluster: await openCluster(config, clusterName), clusterName };
  } catch (err) {
    if (err instanceof SpecError || err instanceof ConfigError || err instanceof SourceClusterError || err instanceof UsageError) {
      io.stderr(`ferry backup: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const { spec, location, cluster, clusterName } = prepared;
  const progress = new ProgressPrinter(io);
  io.stderr(`backing up cluster ${clusterName} into ${location.name} as ${spec.name}\n`);
  try {
    const outcome = await runBackup(spec, {
      store: location.store, layout: location.layout, cluster, clock: () => new Date(), storageLocation: location.name, sourceCluster: clusterName,
      onProgress: (p) => progress.update(p),
      log: { info: () => undefined, warn: (message) => progress.note(message) },
    });
    progress.end();
    io.stdout(summary(outcome, `s3://${location.location.bucket}/${location.layout.backupPrefix(spec.name)}`));
    return outcome.phase === 'Completed' ? 0 : 1;
  } catch (err) {
    progress.end();
    if (err instanceof BackupExistsError) {
      io.stderr(`ferry backup: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    cluster.close();
  }
};

/** Prints progress on stderr: one redrawn line on a terminal, a line per finished resource type otherwise. */
class ProgressPrinter {
  private last = 0;
  private drawn = false;

  constructor(private readonly io: CliIo, private readonly intervalMs = 100) {}

  update(p: BackupProgress): void {
    if (!this.io.interactive) {
      if (p.finished && p.finished.items > 0) {
        this.io.stderr(`  ${p.finished.groupResource}: ${p.finished.items} item${p.finished.items === 1 ? '' : 's'} (${p.typesDone}/${p.typesTotal} types, ${formatBytes(p.bytesWritten)} written)\n`);
      }
      return;
    }
    const now = Date.now();
    if (now - this.last < this.intervalMs && !p.finished) return;
    this.last = now;
    const top = Object.entries(p.byResource).sort(([, a], [, b]) => b - a).slice(0, 3).map(([gr, n]) => `${gr} ${n}`).join(', ');
    this.io.stderr(`\r\x1b[K${p.itemsBackedUp} items${top ? ` (${top}${Object.keys(p.byResource).length > 3 ? ', ...' : ''})` : ''}, ${formatBytes(p.bytesWritten)} written, ${p.typesDone}/${p.typesTotal} types`);
    this.drawn = true;
  }

  note(message: string): void {
    this.io.stderr(`${this.drawn ? '\n' : ''}warning: ${message}\n`);
    this.drawn = false;
  }

  end(): void {
    if (this.drawn) this.io.stderr('\n');
    this.drawn = false;
  }
}

/** The summary a user reads after the run. */
export function summary(o: BackupOutcome, where: string): string {
  const seconds = ((o.completedAt.getTime() - o.startedAt.getTime()) / 1000).toFixed(1);
  const tarball = Object.entries(o.files).find(([f]) => f.endsWith('.tar.gz'))?.[1];
  const width = Math.max(0, ...Object.keys(o.byResource).map((k) => k.length));
  const lines = [
    `backup ${o.name}: ${o.phase} in ${seconds}s`,
    `  where:    ${where}`,
    `  items:    ${o.itemsBackedUp}${tarball ? ` (${formatBytes(tarball.size)} compressed)` : ''}`,
    ...Object.entries(o.byResource).map(([gr, n]) => `    ${gr.padEnd(width)}  ${String(n).padStart(6)}`),
    `  expires:  ${o.expiresAt.toISOString()}`,
    ...(o.failureReason ? [`  failure:  ${o.failureReason}`] : []),
    `  warnings: ${o.warnings}`, ...messages(o.results.warnings),
    `  errors:   ${o.errors}`, ...messages(o.results.errors),
    ...(o.manifestKey ? [] : ['  not committed: no ferry-manifest.json was written, so this backup cannot be restored']),
  ];
  return `${lines.join('\n')}\n`;
}

function messages(result: Result): string[] {
  return [
    ...(result.velero ?? []).map((m) => `    - ${m}`),
    ...(result.cluster ?? []).map((m) => `    - (cluster) ${m}`),
    ...Object.entries(result.namespaces ?? {}).flatMap(([ns, list]) => list.map((m) => `    - ${ns}: ${m}`)),
  ];
}

/** 1536 -> "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}
