import { resolve } from 'node:path';
import { listBackupFiles } from '../catalog/validate.js';
import { NoSuchBackupError } from '../catalog/errors.js';
import type { ItemOutcome } from '../restore/apply/outcome.js';
import { formatOutcome } from '../restore/apply/outcome.js';
import { runRestore } from '../restore/run-restore.js';
import { parseRestoreSpecText } from '../spec/restore-spec.js';
import { isValidName } from '../store/layout.js';
import { flag, has, readCommandArgs, UsageError } from './args.js';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.js';
import { redraw, type CliIo, type Command } from './io.js';
import { connectCluster, openLocation, readConfig } from './open.js';
import { oneLine, plural } from './output.js';
import { formatSummary } from './restore-summary.js';
import { volumeMoverDeps } from '../volumes/open-mover.js';

const USAGE = `usage: ferry restore -f <restore.yaml> [--dry-run] [--cluster <name>] [--name <restore>] [--location <name>] [--config <ferry.yaml>]

Restores the backup an ApplicationRestore or Velero Restore names into a target cluster, transformed on the way
(default fixes, mappings, resource modifiers), in Velero's priority order.

  -f, --filename   the restore spec (YAML or JSON); --file also works
  --dry-run        run everything with server-side dry run: the API server validates, nothing is written
  --cluster        the target cluster (default: spec.targetCluster)
  --name           the restore's name (default: the spec's metadata.name)
  --location       the storage location holding the backup (default: the config's default)
  --concurrency    objects written at once inside a priority group (default 16)
  --config         Ferry's config (default: $FERRY_CONFIG, else ./ferry.yaml)

A restore is its name, its backup and its target cluster. Running the same restore again resumes it, or prints its
stored result when it has finished. The same name with another cluster or backup is refused, saying where it ran:
give the new restore another name (--name). Exit 1 when the restore is PartiallyFailed.

${EXIT_CODES_HELP}`;

const FLAGS = { filename: true, 'dry-run': false, cluster: true, name: true, location: true, concurrency: true, config: true };

/** `ferry restore`: validates the spec, restores with progress on stderr, prints the summary. */
export const run: Command = async (argv, io) => {
  const args = readCommandArgs('restore', USAGE, argv, FLAGS, { '-f': 'filename', '--file': 'filename' }, io);
  if (typeof args === 'number') return args;
  const file = flag(args, 'filename');
  const concurrency = Number(flag(args, 'concurrency') ?? 16);
  const nameFlag = flag(args, 'name');
  if (!file || args.positional.length > 0 || !Number.isInteger(concurrency) || concurrency < 1 || (nameFlag !== undefined && !isValidName(nameFlag))) {
    const why = !file ? 'a spec is required (-f restore.yaml)' : args.positional.length > 0 ? `unexpected argument ${args.positional[0]}`
      : nameFlag !== undefined && !isValidName(nameFlag) ? `--name: "${nameFlag}" is not a restore name (lowercase letters, digits, "-" and ".")`
        : '--concurrency must be a whole number of at least 1';
    io.stderr(`ferry restore: ${why}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const text = (await io.readFile(resolve(io.cwd, file)).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file}: ${err.code ?? err.message}`);
  })).toString('utf8');
  const spec = parseRestoreSpecText(text, file);
  const name = nameFlag ?? spec.name;
  const config = await readConfig(flag(args, 'config'), io);
  const clusterName = flag(args, 'cluster') ?? spec.targetCluster;
  if (!clusterName) throw new UsageError(`name the target cluster with --cluster or spec.targetCluster (known: ${Object.keys(config.clusters).join(', ')})`);
  const location = openLocation(config, flag(args, 'location'), io);
  if (spec.backupName && (await listBackupFiles(location, spec.backupName)).length === 0) throw new NoSuchBackupError(spec.backupName, `storage location ${location.name}`);
  const cluster = await connectCluster(config, clusterName, io);
  const dryRun = has(args, 'dry-run') || spec.dryRun;
  io.stderr(`restoring backup ${spec.backupName} from ${location.name} into cluster ${clusterName} as ${name}${dryRun ? ' (dry run)' : ''}\n`);
  const progress = new RestoreProgress(io);
  try {
    const result = await runRestore({ name, spec: { ...spec, name }, dryRun, targetCluster: clusterName }, {
      store: location.store, layout: location.layout, location: location.name, cluster, now: () => new Date(), concurrency, ...volumeMoverDeps(location, cluster),
      log: { info: (m) => io.stderr(`${oneLine(m)}\n`), warn: (m) => io.stderr(`warning: ${oneLine(m)}\n`) },
      onProgress: (outcome, p) => progress.update(outcome, p),
    });
    progress.end();
    io.stdout(formatSummary(result));
    return result.phase === 'Completed' ? EXIT.ok : EXIT.failed;
  } finally {
    progress.end();
    cluster.close();
  }
};

/** Progress on stderr: objects done of total and per priority group; problems as they happen. */
class RestoreProgress {
  private drawn = false;
  private last = 0;

  constructor(private readonly io: CliIo) {}

  update(outcome: ItemOutcome, p: { group: string; groupDone: number; groupTotal: number; done: number; total: number }): void {
    if (outcome.status === 'failed' || outcome.warning) this.line(`${outcome.status === 'failed' ? 'error' : 'warning'}: ${oneLine(formatOutcome(outcome))}`);
    const text = `${p.done}/${plural(p.total, 'object')}; ${oneLine(p.group)} ${p.groupDone}/${p.groupTotal}`;
    if (this.io.interactive) {
      if (Date.now() - this.last < 100 && p.done < p.total) return;
      this.last = Date.now();
      redraw(this.io, text);
      this.drawn = true;
    } else if (p.groupDone === p.groupTotal) {
      this.io.stderr(`  ${text}\n`);
    }
  }

  private line(text: string): void {
    if (this.drawn) redraw(this.io, '');
    this.io.stderr(`${text}\n`);
    this.drawn = false;
  }

  end(): void {
    if (this.drawn) this.io.stderr('\n');
    this.drawn = false;
  }
}

export { formatSummary };
