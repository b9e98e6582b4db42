import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { entryFromVerdict, listCatalog, readCatalogEntry } from '../catalog/catalog-entry.js';
import { deleteBackup } from '../catalog/delete-backup.js';
import { BackupInUseError, NoSuchBackupError } from '../catalog/errors.js';
import { indexBackup } from '../catalog/index-backup.js';
import { silentLog } from '../catalog/types.js';
import { validateBackup } from '../catalog/validate.js';
import { VolumeDataKeptError, type VolumeDataExpirer } from '../catalog/volume-data-expiry.js';
import { ConfigError } from '../compose.js';
import { SpecError } from '../spec/problems.js';
import { NotFoundError } from '../store/errors.js';
import { isValidName, type BucketLayout } from '../store/layout.js';
import type { ObjectStore } from '../store/object-store.js';
import { kopiaFromEnv, openVolumeDataExpiry } from '../volumes/open-expiry.js';
import { didYouMean, flag, has, parseArgs, UsageError, type ParsedArgs } from './args.js';
import { describeEntry, describeVerdict, expiresIn, parseLogLines, verdictJson } from './backups-text.js';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.js';
import type { CliIo, Command } from './io.js';
import { openLocation, readConfig } from './open.js';
import { age, formatBytes, formatData, outputFormat, plural, table, type OutputFormat } from './output.js';

const gunzipAsync = promisify(gunzip);

const USAGE = `usage: ferry backups list [-o text|wide|json|yaml]
       ferry backups describe NAME [-o text|json|yaml]
       ferry backups verify NAME [--update-catalog] [-o text|json|yaml]
       ferry backups logs NAME [-o text|json|yaml]
       ferry backups delete NAME... [--force]
options: [--location <name>] [--config <ferry.yaml>]

  list       every backup of the storage location, from its catalog (backups not indexed yet are listed too);
             -o wide adds the source cluster, creation time, format and the first problem
  describe   one backup's catalog entry: counts by namespace and resource, problems found; a backup not in the
             catalog is judged now from its files, and says so
  verify     validate a backup again now (sizes and sha256 against its manifest, the tarball's structure) and print
             the result; --update-catalog also writes its catalog entry
  logs       the backup's log (<name>-logs.gz, as Velero keeps it); -o json|yaml gives each line's fields
  delete     delete the backups' files and catalog entries, so their names can be used again; objects under S3
             retention or legal hold are left and reported; --force deletes a backup that says it is still being
             written (its writer crashed or was killed); a backup's kopia snapshots (volume data) go first, and a
             backup whose snapshots cannot be deleted (wrong password, no kopia, no volumeData settings) is kept
  --location the storage location (default: the config's default)
  --config   Ferry's config (default: $FERRY_CONFIG, else ./ferry.yaml)

verify exits 1 when the backup is not sound; delete exits 1 when objects were left.

${EXIT_CODES_HELP}`;

const VERBS = ['list', 'describe', 'verify', 'logs', 'delete'];
const FLAGS = { location: true, config: true, output: true, 'update-catalog': false, force: false, help: false };

/** A storage location opened for the command. */
export interface BackupsLocation {
  name: string;
  store: ObjectStore;
  layout: BucketLayout;
  /** The location's volume-data expirer (its volumeData settings), opened when a delete needs it; none without settings. */
  volumeData?: () => VolumeDataExpirer | undefined;
}

/** What `ferry backups` needs besides its io: a way to open a location, and a clock. */
export interface BackupsDeps {
  open(args: { config?: string; location?: string }, io: CliIo): Promise<BackupsLocation>;
  now: () => Date;
}

/** Opens the location named on the command line from Ferry's config file. */
export const configDeps: BackupsDeps = {
  async open(args, io) {
    const opened = openLocation(await readConfig(args.config, io), args.location, io);
    return { ...opened, volumeData: () => openVolumeDataExpiry({ ...opened, now: () => new Date(), kopia: kopiaFromEnv(io.env) }) };
  },
  now: () => new Date(),
};

/** `ferry backups list|describe|verify|logs|delete`. */
export const run: Command = (argv, io) => runBackups(argv, io, configDeps);

/** The command over explicit dependencies (tests pass an in-memory store). */
export async function runBackups(argv: string[], io: CliIo, deps: BackupsDeps): Promise<number> {
  let args: ParsedArgs;
  let format: OutputFormat;
  try {
    args = parseArgs(argv, FLAGS, { '-o': 'output', '-h': 'help' });
    if (has(args, 'help')) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    format = checkArgs(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`ferry backups: ${err.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const [verb, ...names] = args.positional as [string, ...string[]];
  let location: BackupsLocation;
  try {
    location = await deps.open({ config: flag(args, 'config'), location: flag(args, 'location') }, io);
  } catch (err) {
    if (err instanceof SpecError || err instanceof ConfigError || err instanceof UsageError) {
      io.stderr(`ferry backups: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  const name = names[0]!;
  if (verb === 'list') return list(location, io, deps.now(), format);
  if (verb === 'describe') return describe(location, name, io, deps.now(), format);
  if (verb === 'logs') return logs(location, name, io, format);
  if (verb === 'delete') return remove(location, names, io, deps, has(args, 'force'));
  return verify(location, name, io, deps, format, has(args, 'update-catalog'));
}

function checkArgs(args: ParsedArgs): OutputFormat {
  const [verb, ...names] = args.positional;
  if (!verb || !VERBS.includes(verb)) throw new UsageError(verb ? `unknown verb "${verb}"${didYouMean(verb, VERBS)}` : `expected ${VERBS.join(', ')}`);
  const format = outputFormat(flag(args, 'output'), verb === 'list' ? ['text', 'wide', 'json', 'yaml'] : verb === 'delete' ? ['text'] : ['text', 'json', 'yaml']);
  if (verb === 'list' && names.length) throw new UsageError(`unexpected argument ${names[0]}`);
  if (verb !== 'list' && names.length === 0) throw new UsageError(`name the backup to ${verb}`);
  const bad = names.find((n) => !isValidName(n));
  if (bad !== undefined) throw new UsageError(`"${bad}" is not a backup name (lowercase letters, digits, "-" and ".")`);
  if (verb !== 'list' && verb !== 'delete' && names.length > 1) throw new UsageError(`unexpected argument ${names[1]}`);
  if (has(args, 'update-catalog') && verb !== 'verify') throw new UsageError('--update-catalog goes with verify');
  if (has(args, 'force') && verb !== 'delete') throw new UsageError('--force goes with delete');
  return format;
}

async function list(location: BackupsLocation, io: CliIo, now: Date, format: OutputFormat): Promise<number> {
  const { entries, unreadable } = await listCatalog(location.store, location.layout);
  const indexed = new Set(entries.map((e) => e.name));
  const notIndexed = new Set<string>();
  for await (const o of location.store.list(location.layout.backupsPrefix())) {
    const backup = location.layout.backupOfKey(o.key);
    if (backup && !indexed.has(backup)) notIndexed.add(backup);
  }
  const data = formatData(format, { backups: entries, notIndexed: [...notIndexed].sort(), unreadable });
  if (data) {
    io.stdout(data);
    return EXIT.ok;
  }
  const wide = format === 'wide';
  const header = ['NAME', 'PHASE', 'AGE', 'EXPIRES', 'ITEMS', 'SIZE', 'VERIFIED', ...(wide ? ['SOURCE', 'CREATED', 'FORMAT', 'PROBLEM'] : [])];
  const rows = [header,
    ...entries.map((e) => [e.name, e.phase, age(e.created, now), expiresIn(e.expires, now), String(e.counts.items), formatBytes(e.size), e.verified ? 'yes' : 'no',
      ...(wide ? [e.sourceCluster ?? '', e.created ?? '', e.format, e.problems[0] ?? ''] : [])]),
    ...[...notIndexed].sort().map((n) => [n, '(not indexed)', '', '', '', '', '', ...(wide ? ['', '', '', ''] : [])])];
  io.stdout(table(rows, wide ? undefined : io.columns));
  if (notIndexed.size) io.stderr(`${plural(notIndexed.size, 'backup is', 'backups are')} not in the catalog yet: \`ferry backups describe NAME\` judges one now\n`);
  for (const key of unreadable) io.stderr(`warning: ${key} is not a readable catalog entry\n`);
  return EXIT.ok;
}

async function describe(location: BackupsLocation, name: string, io: CliIo, now: Date, format: OutputFormat): Promise<number> {
  const { entry } = await readCatalogEntry(location.store, location.layout, name);
  if (entry) {
    io.stdout(formatData(format, entry) ?? describeEntry(entry, now));
    return EXIT.ok;
  }
  const verdict = await validateBackup(name, { store: location.store, layout: location.layout });
  if (verdict.files.length === 0) {
    io.stderr(`ferry backups: no backup named ${name} in ${location.name}\n`);
    return EXIT.usage;
  }
  const judged = entryFromVerdict(verdict, now);
  const note = `not in the catalog: judged now from its files (\`ferry backups verify ${name} --update-catalog\` records it)`;
  io.stdout(formatData(format, { ...judged, indexed: false }) ?? describeEntry(judged, now, note));
  return EXIT.ok;
}

async function verify(location: BackupsLocation, name: string, io: CliIo, deps: BackupsDeps, format: OutputFormat, update: boolean): Promise<number> {
  const core = { store: location.store, layout: location.layout, now: deps.now, log: silentLog };
  const verdict = await validateBackup(name, core);
  if (verdict.files.length === 0) {
    io.stderr(`ferry backups: no backup named ${name} in ${location.name}\n`);
    return EXIT.usage;
  }
  if (update) await indexBackup(name, core, { force: true });
  io.stdout(formatData(format, verdictJson(verdict)) ?? describeVerdict(verdict, update));
  return verdict.phase === 'Completed' || verdict.phase === 'PartiallyFailed' ? EXIT.ok : EXIT.failed;
}

/** Largest log printed, once unzipped: a backup's files are untrusted. */
const MAX_LOG_BYTES = 64 * 1024 * 1024;

async function logs(location: BackupsLocation, name: string, io: CliIo, format: OutputFormat): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = (await location.store.getBytes(location.layout.backupKey(name, 'logs'))).bytes;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    const { entry } = await readCatalogEntry(location.store, location.layout, name);
    const exists = entry !== undefined || await hasFiles(location, name);
    io.stderr(`ferry backups: ${exists ? `backup ${name} has no log (${name}-logs.gz): it was written before Ferry kept backup logs, or by a Velero that kept none` : `no backup named ${name} in ${location.name}`}\n`);
    return EXIT.usage;
  }
  const text = await gunzipAsync(bytes, { maxOutputLength: MAX_LOG_BYTES }).catch((err: Error) => {
    throw new UsageError(`${name}-logs.gz is not a readable gzip file of at most ${MAX_LOG_BYTES / 1024 / 1024} MiB: ${err.message}`);
  });
  io.stdout(formatData(format, { backup: name, lines: parseLogLines(text.toString('utf8')) }) ?? text.toString('utf8'));
  return EXIT.ok;
}

async function hasFiles(location: BackupsLocation, name: string): Promise<boolean> {
  for await (const _ of location.store.list(location.layout.backupPrefix(name))) return true;
  return false;
}

async function remove(location: BackupsLocation, names: string[], io: CliIo, deps: BackupsDeps, force: boolean): Promise<number> {
  const core = { store: location.store, layout: location.layout, now: deps.now, log: silentLog };
  let code: number = EXIT.ok;
  for (const name of names) {
    try {
      const volumeData = location.volumeData?.();
      const outcome = await deleteBackup(name, core, { force, ...(volumeData ? { volumeData } : {}) });
      const left = outcome.protected.map((p) => `\n  left ${p.key}: ${p.reason}`).join('');
      const snapshots = outcome.snapshots?.length ? `; kopia ${plural(outcome.snapshots.length, 'snapshot')} of its volume data deleted` : '';
      if (outcome.action === 'deleted') io.stdout(`backup ${name} deleted (${plural(outcome.keys.length, 'object')}, its catalog entry included${snapshots})\n`);
      else if (outcome.action === 'protected') io.stdout(`backup ${name} not deleted: its objects are under S3 retention or legal hold${left}\n`);
      else io.stdout(`backup ${name} partly deleted (${plural(outcome.keys.length, 'object')}); ${plural(outcome.protected.length, 'object is', 'objects are')} under S3 retention or legal hold${left}\n`);
      if (outcome.action !== 'deleted') code = EXIT.failed;
    } catch (err) {
      if (err instanceof VolumeDataKeptError) {
        io.stderr(`ferry backups: backup ${name} not deleted: ${err.message}\n`);
        code = EXIT.failed;
        continue;
      }
      if (!(err instanceof NoSuchBackupError || err instanceof BackupInUseError)) throw err;
      io.stderr(`ferry backups: ${err.message}${err instanceof NoSuchBackupError ? ` in ${location.name}` : ''}\n`);
      if (code === EXIT.ok) code = EXIT.usage;
    }
  }
  return code;
}
