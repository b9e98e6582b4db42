import { resolve } from 'node:path';
import { listCatalog, type CatalogEntry } from '../catalog/catalog-entry.js';
import { parseBackupDocument, type BackupScheduleSpec } from '../spec/backup-spec.js';
import { parseDocuments } from '../spec/documents.js';
import { SpecError, type Problem } from '../spec/problems.js';
import { nextFireTime } from '../spec/schedule-times.js';
import { didYouMean, flag, readCommandArgs, UsageError } from './args.js';
import { readListOrDescribe } from './verbs.js';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.js';
import type { Command } from './io.js';
import { openLocation, readConfig } from './open.js';
import { age, formatData, oneLine, table } from './output.js';

const USAGE = `usage: ferry schedules list [-f schedules.yaml] [-o text|wide|json|yaml]
       ferry schedules describe NAME [-f schedules.yaml] [-o text|json|yaml]
options: [--config <ferry.yaml>]

The BackupSchedules (or Velero Schedules) of a schedules file, as the deploy turns them into EventBridge rules:
when each runs next, the last backup it made and that backup's phase (from its storage location's catalog).

  -f, --filename  the schedules file (default: $FERRY_SCHEDULES, else ./schedules.yaml); --file also works
  list            one line per schedule (-o wide adds the template's namespaces and TTL)
  describe        one schedule: its next five runs, what it backs up, and its last five backups

${EXIT_CODES_HELP}`;

/** A schedule with what the bucket says of it. */
export interface ScheduleView {
  name: string;
  schedule: string;
  paused: boolean;
  storageLocation: string;
  /** The next runs (none when paused, nor for an interval that has made no backup yet: it counts from its rule's creation). */
  nextRuns: string[];
  /** Why there are no next runs. */
  noRunsBecause?: string;
  /** Its backups in the location, newest first: `<schedule>-<YYYYMMDDHHMMSS>`. */
  backups: { name: string; phase: string; created?: string }[];
  includedNamespaces: string[];
  ttl: string;
}

/** `ferry schedules list|describe`. */
export const run: Command = async (argv, io) => {
  const args = readCommandArgs('schedules', USAGE, argv, { filename: true, config: true, output: true }, { '-f': 'filename', '--file': 'filename', '-o': 'output' }, io);
  if (typeof args === 'number') return args;
  const request = readListOrDescribe('schedules', 'schedule', USAGE, args, io);
  if (typeof request === 'number') return request;
  const { verb, name, format } = request;
  const file = flag(args, 'filename') ?? io.env.FERRY_SCHEDULES ?? 'schedules.yaml';
  const text = (await io.readFile(resolve(io.cwd, file)).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read the schedules file ${file}: ${err.code ?? err.message}${flag(args, 'filename') ? '' : ' (name one with -f, or set FERRY_SCHEDULES)'}`);
  })).toString('utf8');
  const schedules = parseSchedules(text, file);
  const chosen = verb === 'describe' ? schedules.filter((s) => s.name === name) : schedules;
  if (verb === 'describe' && chosen.length === 0) {
    io.stderr(`ferry schedules: no schedule named ${name} in ${file}${didYouMean(name!, schedules.map((s) => s.name))}\n`);
    return EXIT.usage;
  }
  const config = await readConfig(flag(args, 'config'), io);
  const catalogs = new Map<string, { entries: CatalogEntry[]; folders: Set<string> }>();
  for (const where of new Set(chosen.map((s) => s.template.storageLocation ?? config.defaultStorageLocation))) {
    const location = openLocation(config, where, io);
    const { entries } = await listCatalog(location.store, location.layout);
    const folders = new Set<string>();
    for await (const o of location.store.list(location.layout.backupsPrefix())) folders.add(location.layout.backupOfKey(o.key) ?? '');
    catalogs.set(where, { entries, folders });
  }
  const now = new Date();
  const views = chosen.map((s) => viewOf(s, catalogs.get(s.template.storageLocation ?? config.defaultStorageLocation)!, now, verb === 'describe' ? 5 : 1));
  const data = formatData(format, verb === 'describe' ? views[0] : { schedules: views });
  io.stdout(data ?? (verb === 'describe' ? describeText(views[0]!, now) : listText(views, format === 'wide', now, io.columns)));
  return EXIT.ok;
};

/** Every schedule of a schedules file; one-off backups and invalid documents are refused with every problem. */
export function parseSchedules(text: string, source: string): BackupScheduleSpec[] {
  const problems: Problem[] = [];
  const out: BackupScheduleSpec[] = [];
  for (const doc of parseDocuments(text, source)) {
    try {
      const parsed = parseBackupDocument(doc.value, doc.label);
      if (parsed.type === 'schedule') out.push(parsed.schedule);
      else problems.push({ document: doc.label, path: 'kind', message: `expected a BackupSchedule or Velero Schedule, got ${parsed.backup.kind}` });
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length) throw new SpecError(problems);
  return out;
}

/** What a schedule looks like against the backups of its location at `now`. */
export function viewOf(s: BackupScheduleSpec, catalog: { entries: CatalogEntry[]; folders: Set<string> }, now: Date, runs: number): ScheduleView {
  const mine = new RegExp(`^${s.name.replace(/[.]/g, '\\.')}-\\d{14}$`);
  const byName = new Map(catalog.entries.map((e) => [e.name, e]));
  const names = [...new Set([...catalog.entries.map((e) => e.name), ...catalog.folders])].filter((n) => mine.test(n)).sort().reverse();
  const backups = names.map((n) => {
    const e = byName.get(n);
    return { name: n, phase: e?.phase ?? '(not indexed)', ...(e?.created ? { created: e.created } : {}) };
  });
  const nextRuns: string[] = [];
  const last = backups[0]?.created ? new Date(backups[0].created) : undefined;
  const noRunsBecause = s.paused ? 'paused' : s.schedule.kind === 'interval' && !last ? 'unknown until its first backup: an interval counts from when its rule was made' : undefined;
  if (!noRunsBecause) {
    let after = now;
    for (let i = 0; i < runs; i++) {
      const next = nextFireTime(s.schedule, after, last);
      if (!next) break;
      nextRuns.push(next.toISOString());
      after = next;
    }
  }
  return {
    name: s.name, schedule: s.scheduleText, paused: s.paused, storageLocation: s.template.storageLocation ?? '(default)', nextRuns,
    ...(noRunsBecause ? { noRunsBecause } : nextRuns.length ? {} : { noRunsBecause: 'none within a year' }), backups,
    includedNamespaces: s.template.includedNamespaces.length ? s.template.includedNamespaces : ['*'], ttl: s.template.ttl,
  };
}

function listText(views: ScheduleView[], wide: boolean, now: Date, columns: number | undefined): string {
  const header = ['NAME', 'SCHEDULE', 'PAUSED', 'NEXT RUN', 'LAST BACKUP', 'PHASE', 'AGE', ...(wide ? ['LOCATION', 'NAMESPACES', 'TTL'] : [])];
  return table([header, ...views.map((v) => [v.name, v.schedule, v.paused ? 'yes' : 'no', v.nextRuns[0] ?? `(${v.paused ? 'paused' : v.noRunsBecause?.startsWith('unknown') ? 'after the first' : 'none within a year'})`,
    v.backups[0]?.name ?? '(none yet)', v.backups[0]?.phase ?? '', v.backups[0]?.created ? age(v.backups[0].created, now) : '',
    ...(wide ? [v.storageLocation, v.includedNamespaces.join(','), v.ttl] : [])])], wide ? undefined : columns);
}

function describeText(v: ScheduleView, now: Date): string {
  return [
    `Name:              ${v.name}`,
    `Schedule:          ${oneLine(v.schedule)} (UTC)${v.paused ? ', paused' : ''}`,
    `Storage location:  ${v.storageLocation}`,
    `Namespaces:        ${v.includedNamespaces.map(oneLine).join(', ')}`,
    `TTL:               ${v.ttl}`,
    `Next runs:${v.nextRuns.length ? '' : `         none: ${v.noRunsBecause}`}`,
    ...v.nextRuns.map((t) => `  ${t}`),
    `Backups (${v.backups.length}):${v.backups.length ? '' : ' none yet'}`,
    ...v.backups.slice(0, 5).map((b) => `  ${b.name}  ${b.phase}${b.created ? `  ${age(b.created, now)} ago` : ''}`),
    '',
  ].join('\n');
}
