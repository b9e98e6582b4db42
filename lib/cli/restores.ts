import { runPool } from '../pool.js';
import { formatOutcome } from '../restore/apply/outcome.js';
import { readIdentity } from '../restore/identity.js';
import type { RestoreResult, RestoreRow } from '../restore/result.js';
import { readResult } from '../restore/result-store.js';
import { readItems } from '../restore/result-items.js';
import { BucketDataError, NotFoundError } from '../store/errors.js';
import { isValidName } from '../store/layout.js';
import { flag, has, readCommandArgs } from './args.js';
import { readListOrDescribe } from './verbs.js';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.js';
import type { CliIo, Command } from './io.js';
import { openLocation, readConfig } from './open.js';
import { age, formatData, oneLine, table, type OutputFormat } from './output.js';
import { formatSummary } from './restore-summary.js';

const USAGE = `usage: ferry restores list [-o text|wide|json|yaml]
       ferry restores describe NAME [--dry-run] [-o text|json|yaml]
options: [--location <name>] [--config <ferry.yaml>]

  list       every restore whose result the storage location holds: its backup, target cluster, phase and counts
             (a restore only tried as a dry run shows that run's; -o wide adds the other counts, whether it was a dry
             run, and when it finished)
  describe   the stored result of a restore: its phase, counts, problems by namespace, every object's outcome, and
             what the transform left out, each with its reason; --dry-run: the result of its last dry run

${EXIT_CODES_HELP}`;

/** `ferry restores list|describe`. */
export const run: Command = async (argv, io) => {
  const args = readCommandArgs('restores', USAGE, argv, { location: true, config: true, output: true, 'dry-run': false }, { '-o': 'output' }, io);
  if (typeof args === 'number') return args;
  const request = readListOrDescribe('restores', 'restore', USAGE, args, io, (n) => (isValidName(n) ? undefined : `"${n}" is not a restore name (lowercase letters, digits, "-" and ".", as metadata.name)`));
  if (typeof request === 'number') return request;
  const { verb, name, format } = request;
  const dryRun = has(args, 'dry-run');
  if (verb === 'list' && dryRun) {
    io.stderr(`ferry restores: --dry-run goes with describe\n\n${USAGE}`);
    return EXIT.usage;
  }
  const location = openLocation(await readConfig(flag(args, 'config'), io), flag(args, 'location'), io);
  if (verb === 'list') return list(location, io, format);
  try {
    const result = await readResult(location.store, location.layout, name!, { dryRun });
    // A large restore's outcomes are stored in parts beside its result: read them in turn.
    const items = readItems(location.store, location.layout, result);
    if (format === 'json' || format === 'yaml') {
      const all = [];
      for await (const i of items) all.push(i);
      const { itemParts: _parts, ...whole } = { ...result, items: all };
      io.stdout(formatData(format, whole)!);
      return EXIT.ok;
    }
    io.stdout(`${formatSummary(result)}  items:\n`);
    for await (const i of items) io.stdout(`    ${oneLine(formatOutcome(i))}\n`);
    io.stdout(describeSkipped(result));
    return EXIT.ok;
  } catch (err) {
    if (err instanceof NotFoundError) {
      const identity = await readIdentity(location.store, location.layout, name!);
      const none = dryRun ? 'has no stored dry-run result' : 'has no stored result yet';
      io.stderr(`ferry restores: ${identity ? `restore ${name} (backup ${identity.backup} into cluster ${identity.targetCluster}) ${none}` : `no restore named ${name} in ${location.name}`}\n`);
      return EXIT.usage;
    }
    if (err instanceof BucketDataError) {
      io.stderr(`ferry restores: ${oneLine(err.message)}\n`);
      return EXIT.usage;
    }
    throw err;
  }
};

/** A stored result as a person reads it: the summary, every object's outcome, and what the transform left out. */
function describeSkipped(result: RestoreResult): string {
  if (!result.skippedByTransform.length) return '';
  const lines = ['  left out by the transform:', ...result.skippedByTransform.map((s) => `    ${oneLine(`${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}: ${s.reason}`)}`)];
  return `${lines.join('\n')}\n`;
}


/** One restore's row: its result, else its dry run's, else what its identity says. */
async function listRow(location: ReturnType<typeof openLocation>, name: string): Promise<RestoreRow> {
  try {
    // A restore that has only been tried as a dry run shows that run's result.
    const r = await readResult(location.store, location.layout, name).catch(async (err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
      return readResult(location.store, location.layout, name, { dryRun: true }).catch(() => { throw err; });
    });
    return { name, backup: r.backup, targetCluster: r.targetCluster, phase: r.phase, dryRun: r.dryRun, startedAt: r.startedAt, completedAt: r.completedAt, counts: r.counts };
  } catch (err) {
    if (!(err instanceof NotFoundError || err instanceof SyntaxError)) throw err;
    const identity = await readIdentity(location.store, location.layout, name).catch(() => undefined);
    return { name, backup: identity?.backup, targetCluster: identity?.targetCluster, phase: err instanceof SyntaxError ? '(unreadable result)' : '(no result yet)' };
  }
}

async function list(location: ReturnType<typeof openLocation>, io: CliIo, format: OutputFormat): Promise<number> {
  const prefix = location.layout.restoresPrefix();
  const names = new Set<string>();
  for await (const o of location.store.list(prefix)) {
    const name = o.key.slice(prefix.length).split('/')[0]!;
    if (isValidName(name)) names.add(name);
  }
  const sorted = [...names].sort();
  const rows: RestoreRow[] = new Array(sorted.length);
  // A few at once: each result is read whole (a large restore's is megabytes).
  await runPool(sorted, 4, async (name, i) => { rows[i] = await listRow(location, name); });
  const data = formatData(format, { restores: rows });
  if (data) {
    io.stdout(data);
    return EXIT.ok;
  }
  const now = new Date();
  const wide = format === 'wide';
  const header = ['NAME', 'BACKUP', 'CLUSTER', 'PHASE', 'AGE', 'CREATED', 'FAILED', ...(wide ? ['UPDATED', 'UNCHANGED', 'SKIPPED', 'DRY RUN', 'COMPLETED'] : [])];
  const count = (r: RestoreRow, k: keyof RestoreResult['counts']) => (r.counts ? String(r.counts[k]) : '');
  io.stdout(table([header, ...rows.map((r) => [r.name, r.backup ?? '', r.targetCluster ?? '', r.dryRun ? `${r.phase} (dry run)` : r.phase, r.startedAt ? age(r.startedAt, now) : '', count(r, 'created'), count(r, 'failed'),
    ...(wide ? [count(r, 'updated'), count(r, 'unchanged'), count(r, 'skipped'), r.dryRun === undefined ? '' : r.dryRun ? 'yes' : 'no', r.completedAt ?? ''] : [])])], wide ? undefined : io.columns));
  return EXIT.ok;
}
