import { listCatalog, readCatalogEntry, type CatalogEntry } from '../catalog/catalog-entry.js';
import { indexBackup } from '../catalog/index-backup.js';
import { silentLog } from '../catalog/types.js';
import { validateBackup, type Verdict } from '../catalog/validate.js';
import { ConfigError, loadConfig, openStore } from '../compose.js';
import { SpecError } from '../spec/problems.js';
import { isValidName, type BucketLayout } from '../store/layout.js';
import type { ObjectStore } from '../store/object-store.js';
import { configPath, flag, has, parseArgs, UsageError, type ParsedArgs } from './args.js';
import type { CliIo, Command } from './io.js';

const USAGE = `usage: ferry backups list [-o text|json]
       ferry backups describe NAME [-o text|json]
       ferry backups verify NAME [--update-catalog] [-o text|json]
options: [--location <name>] [--config <ferry.yaml>]

  list       every backup of the storage location, from its catalog (backups not indexed yet are listed too)
  describe   one backup's catalog entry: counts by namespace and resource, problems found
  verify     validate a backup again now (sizes and sha256 against its manifest, the tarball's structure) and print
             the result; --update-catalog also writes its catalog entry
  --location the storage location (default: the config's default)
  --config   Ferry's config (default: $FERRY_CONFIG, else ./ferry.yaml)

Exit status: 0 ok (verify: Completed or PartiallyFailed), 1 verify found the backup not sound, 2 bad input.
`;

const FLAGS = { location: true, config: true, output: true, 'update-catalog': false, help: false };

/** A storage location opened for the command. */
export interface BackupsLocation {
  name: string;
  store: ObjectStore;
  layout: BucketLayout;
}

/** What `ferry backups` needs besides its io: a way to open a location, and a clock. */
export interface BackupsDeps {
  open(args: { config?: string; location?: string }, io: CliIo): Promise<BackupsLocation>;
  now: () => Date;
}

/** Opens the location named on the command line from Ferry's config file. */
export const configDeps: BackupsDeps = {
  async open(args, io) {
    const config = await loadConfig(configPath(args.config, io), io.env);
    return openStore(config, args.location);
  },
  now: () => new Date(),
};

/** `ferry backups list|describe|verify`. */
export const run: Command = (argv, io) => runBackups(argv, io, configDeps);

/** The command over explicit dependencies (tests pass an in-memory store). */
export async function runBackups(argv: string[], io: CliIo, deps: BackupsDeps): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, FLAGS, { '-o': 'output', '-h': 'help' });
    if (has(args, 'help')) {
      io.stdout(USAGE);
      return 0;
    }
    checkArgs(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`ferry backups: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  const [verb, name] = args.positional as [string, string | undefined];
  const json = flag(args, 'output') === 'json';
  let location: BackupsLocation;
  try {
    location = await deps.open({ config: flag(args, 'config'), location: flag(args, 'location') }, io);
  } catch (err) {
    if (err instanceof SpecError || err instanceof ConfigError) {
      io.stderr(`ferry backups: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (verb === 'list') return list(location, io, deps.now(), json);
  if (verb === 'describe') return describe(location, name!, io, deps.now(), json);
  return verify(location, name!, io, deps, json, has(args, 'update-catalog'));
}

function checkArgs(args: ParsedArgs): void {
  const [verb, name, ...extra] = args.positional;
  const output = flag(args, 'output') ?? 'text';
  if (verb !== 'list' && verb !== 'describe' && verb !== 'verify') throw new UsageError(verb ? `unknown verb "${verb}"` : 'expected list, describe or verify');
  if (output !== 'text' && output !== 'json') throw new UsageError(`-o: expected text or json, got "${output}"`);
  if (verb === 'list' && name !== undefined) throw new UsageError(`unexpected argument ${name}`);
  if (verb !== 'list' && (!name || !isValidName(name))) throw new UsageError(name ? `"${name}" is not a backup name` : `name the backup to ${verb}`);
  if (extra.length) throw new UsageError(`unexpected argument ${extra[0]}`);
  if (has(args, 'update-catalog') && verb !== 'verify') throw new UsageError('--update-catalog goes with verify');
}

async function list(location: BackupsLocation, io: CliIo, now: Date, json: boolean): Promise<number> {
  const { entries, unreadable } = await listCatalog(location.store, location.layout);
  const indexed = new Set(entries.map((e) => e.name));
  const notIndexed = new Set<string>();
  for await (const o of location.store.list(location.layout.backupsPrefix())) {
    const backup = location.layout.backupOfKey(o.key);
    if (backup && !indexed.has(backup)) notIndexed.add(backup);
  }
  if (json) {
    io.stdout(`${JSON.stringify({ backups: entries, notIndexed: [...notIndexed].sort(), unreadable }, null, 2)}\n`);
    return 0;
  }
  const rows = [['NAME', 'PHASE', 'AGE', 'EXPIRES', 'ITEMS', 'SIZE', 'VERIFIED'],
    ...entries.map((e) => [e.name, e.phase, age(e.created, now), expiresIn(e.expires, now), String(e.counts.items), bytes(e.size), e.verified ? 'yes' : 'no']),
    ...[...notIndexed].sort().map((n) => [n, '(not indexed)', '', '', '', '', ''])];
  io.stdout(table(rows));
  for (const key of unreadable) io.stderr(`warning: ${key} is not a readable catalog entry\n`);
  return 0;
}

async function describe(location: BackupsLocation, name: string, io: CliIo, now: Date, json: boolean): Promise<number> {
  const { entry } = await readCatalogEntry(location.store, location.layout, name);
  if (!entry) {
    io.stderr(`ferry backups: backup ${name} has no catalog entry in ${location.name}; \`ferry backups verify ${name} --update-catalog\` indexes it\n`);
    return 2;
  }
  io.stdout(json ? `${JSON.stringify(entry, null, 2)}\n` : describeEntry(entry, now));
  return 0;
}

async function verify(location: BackupsLocation, name: string, io: CliIo, deps: BackupsDeps, json: boolean, update: boolean): Promise<number> {
  const core = { store: location.store, layout: location.layout, now: deps.now, log: silentLog };
  const verdict = await validateBackup(name, core);
  if (verdict.files.length === 0) {
    io.stderr(`ferry backups: backup ${name} has no files in ${location.name}\n`);
    return 2;
  }
  if (update) await indexBackup(name, core, { force: true });
  io.stdout(json ? `${JSON.stringify(verdictJson(verdict), null, 2)}\n` : describeVerdict(verdict, update));
  return verdict.phase === 'Completed' || verdict.phase === 'PartiallyFailed' ? 0 : 1;
}

/** The text of `describe`. */
export function describeEntry(e: CatalogEntry, now: Date): string {
  const lines = [
    `Name:            ${e.name}`,
    `Phase:           ${e.phase}${e.backupPhase && e.backupPhase !== e.phase ? ` (the backup says ${e.backupPhase})` : ''}`,
    `Verified:        ${e.verified ? 'yes, against its manifest' : 'no'}`,
    `Format:          ${e.format}`,
    `Source cluster:  ${e.sourceCluster ?? '<unknown>'}${e.sourceClusterVersion ? ` (Kubernetes ${e.sourceClusterVersion})` : ''}`,
    `Created:         ${e.created ? `${e.created} (${age(e.created, now)} ago)` : '<unknown>'}`,
    `Completed:       ${e.completed ?? '<unknown>'}`,
    `Expires:         ${e.expires ? `${e.expires} (${expiresIn(e.expires, now)})` : '<never>'}`,
    `Size:            ${bytes(e.size)}`,
    `Items:           ${e.counts.items}${e.errors !== undefined ? `   Errors: ${e.errors}   Warnings: ${e.warnings ?? 0}` : ''}`,
    `Indexed:         ${e.indexedAt}`,
    '', ...countLines(e.counts), '', ...problemLines(e.problems),
  ];
  return `${lines.join('\n')}\n`;
}

function describeVerdict(v: Verdict, updated: boolean): string {
  const lines = [
    `Backup ${v.name}: ${v.phase}${v.verified ? ', verified against its manifest' : ', not verified'}${updated ? ' (catalog entry written)' : ''}`,
    `Files: ${v.files.length}, ${bytes(v.size)}${v.formatVersion ? `; archive format ${v.formatVersion}` : ''}`,
    '', ...(v.counts ? countLines(v.counts) : []), '', ...problemLines(v.problems),
  ];
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}

function verdictJson(v: Verdict): Record<string, unknown> {
  const { files, ...rest } = v;
  return { ...rest, files: files.map((f) => ({ key: f.key, size: f.size })) };
}

function countLines(c: CatalogEntry['counts']): string[] {
  const sorted = (m: Record<string, number>) => Object.entries(m).sort(([a], [b]) => a.localeCompare(b));
  return [
    'Items by namespace:', ...(c.cluster ? [`  (cluster-scoped)  ${c.cluster}`] : []), ...sorted(c.byNamespace).map(([k, n]) => `  ${k}  ${n}`),
    'Items by resource:', ...sorted(c.byResource).map(([k, n]) => `  ${k}  ${n}`),
  ];
}

function problemLines(problems: string[]): string[] {
  return problems.length ? ['Problems:', ...problems.map((p) => `  - ${p}`)] : ['Problems: none'];
}

/** A duration like Velero prints it: 45s, 12m, 5h, 3d. */
function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function age(created: string | undefined, now: Date): string {
  return created ? duration(Math.max(0, now.getTime() - Date.parse(created))) : '<unknown>';
}

function expiresIn(expires: string | undefined, now: Date): string {
  if (!expires) return '<never>';
  const ms = Date.parse(expires) - now.getTime();
  return ms > 0 ? `in ${duration(ms)}` : `expired ${duration(-ms)} ago`;
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}
