/** The schedules the deploy turned into EventBridge rules, and an on-demand backup from one of them. */
import { parseSchedules } from '../cli/schedules.js';
import { parseDocuments } from '../spec/documents.js';
import { formatProblem, SpecError } from '../spec/problems.js';
import { scheduledBackupName } from '../store/layout.js';
import type { ConsoleDeps } from './deps.js';
import { ConsoleError } from './errors.js';

/** One schedule as the console lists it. */
export interface ScheduleRow {
  name: string;
  schedule: string;
  paused: boolean;
  includedNamespaces: string[];
  storageLocation?: string;
  ttl: string;
}

/** The schedules of the deploy's schedules file (none when it has none). */
export function listSchedules(deps: Pick<ConsoleDeps, 'schedulesYaml'>): ScheduleRow[] {
  if (!deps.schedulesYaml.trim()) return [];
  return read(deps.schedulesYaml).map((s) => ({
    name: s.name, schedule: s.scheduleText, paused: s.paused, includedNamespaces: s.template.includedNamespaces, ttl: s.template.ttl,
    ...(s.template.storageLocation ? { storageLocation: s.template.storageLocation } : {}),
  }));
}

/**
 * Starts a backup now from the schedule's spec, as its rule would (the backup function, asynchronously), named
 * `<schedule>-<time>` like every backup of the schedule. A paused schedule is refused (409): resume it first.
 */
export async function startScheduledBackup(deps: Pick<ConsoleDeps, 'schedulesYaml' | 'functions' | 'now'>, name: string): Promise<{ backup: string }> {
  const schedules = deps.schedulesYaml.trim() ? read(deps.schedulesYaml) : [];
  const index = schedules.findIndex((s) => s.name === name);
  if (index < 0) throw new ConsoleError(404, `no schedule named ${name.slice(0, 100)}`);
  if (schedules[index]!.paused) throw new ConsoleError(409, `schedule ${name} is paused: it takes no backups until it is resumed`);
  const document = parseDocuments(deps.schedulesYaml, 'schedules')[index]!.value;
  // EventBridge's times have no milliseconds; the backup's name is made from the time.
  const time = new Date(Math.floor(deps.now().getTime() / 1000) * 1000);
  await deps.functions.start('backup', { schedule: document, time: time.toISOString() });
  return { backup: scheduledBackupName(name, time) };
}

function read(text: string) {
  try {
    return parseSchedules(text, 'schedules');
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    throw new ConsoleError(500, 'the deployed schedules are not valid', err.problems.map(formatProblem), { cause: err });
  }
}
