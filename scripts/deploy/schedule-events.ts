/**
 * One EventBridge schedule per BackupSchedule (or Velero Schedule) in a user's schedules file, in the shape
 * serverless.yml's `schedule` event takes. The backup function receives `{"schedule": <the document as written>,
 * "time": <the firing time>}` (an input transformer), so a scheduled backup is named by the time its rule fired,
 * and a retried invocation writes the same backup.
 */
import { parseBackupDocument } from '../../lib/spec/backup-spec.js';
import { parseDocuments } from '../../lib/spec/documents.js';
import { SpecError, type Problem } from '../../lib/spec/problems.js';
import { toEventBridgeExpression } from '../../lib/spec/schedule.js';

/** A serverless.yml `schedule` event. */
export interface ScheduleEvent {
  schedule: {
    name: string;
    description: string;
    rate: string[];
    enabled: boolean;
    inputTransformer: { inputPathsMap: { time: string }; inputTemplate: string };
  };
}

/** EventBridge rule names: at most 64 characters of [.-_A-Za-z0-9]. */
const RULE_NAME_MAX = 64;

/**
 * Reads a schedules file (YAML or JSON, one schedule per document) into schedule events; throws a SpecError naming
 * every problem of every document (one-off backups, bad expressions, duplicate names) at once.
 */
export function scheduleEvents(text: string, source: string, rulePrefix: string): ScheduleEvent[] {
  const problems: Problem[] = [];
  const events: ScheduleEvent[] = [];
  const seen = new Map<string, string>();
  let docs;
  try {
    docs = parseDocuments(text, source);
  } catch (err) {
    if (err instanceof SpecError) throw err;
    throw new SpecError([{ document: source, path: '', message: (err as Error).message }], { cause: err });
  }
  for (const doc of docs) {
    let parsed;
    try {
      parsed = parseBackupDocument(doc.value, doc.label);
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      problems.push(...err.problems.map((p) => ({ ...p, ...doc.positionOf(p.path ? p.path.split('.') : []) })));
      continue;
    }
    if (parsed.type !== 'schedule') {
      problems.push({ document: doc.label, path: 'kind', message: `expected a BackupSchedule or Velero Schedule, got a one-off backup (${parsed.backup.kind}); invoke the backup function for those` });
      continue;
    }
    const s = parsed.schedule;
    const expression = toEventBridgeExpression(s.schedule);
    if (typeof expression !== 'string') {
      problems.push({ document: doc.label, path: 'spec.schedule', message: expression.problem });
      continue;
    }
    const earlier = seen.get(s.name);
    if (earlier) {
      problems.push({ document: doc.label, path: 'metadata.name', message: `"${s.name}" is also the name of ${earlier}; schedule names must be unique` });
      continue;
    }
    seen.set(s.name, doc.label);
    events.push({
      schedule: {
        name: ruleName(rulePrefix, s.name),
        description: `Ferry backup schedule ${s.name} (${s.scheduleText})`.slice(0, 512),
        rate: [expression],
        enabled: !s.paused,
        inputTransformer: { inputPathsMap: { time: '$.time' }, inputTemplate: inputTemplate(doc.value) },
      },
    });
  }
  if (problems.length) throw new SpecError(problems);
  return events;
}

/** The backup function's event: the schedule document and the firing time EventBridge substitutes for `<time>`. */
export function inputTemplate(document: unknown): string {
  return `{"schedule":${JSON.stringify(document)},"time":"<time>"}`;
}

/** `<prefix>-<name>`, shortened to EventBridge's 64 characters with a hash suffix that keeps it unique. */
export function ruleName(prefix: string, name: string): string {
  const full = `${prefix}-${name}`.replace(/[^.\-_A-Za-z0-9]/g, '-');
  if (full.length <= RULE_NAME_MAX) return full;
  let hash = 0;
  for (const c of full) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  const suffix = hash.toString(36).padStart(7, '0');
  return `${full.slice(0, RULE_NAME_MAX - suffix.length - 1)}-${suffix}`;
}
