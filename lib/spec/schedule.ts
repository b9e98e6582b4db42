/**
 * Backup schedules as users write them, and Go durations (TTLs, intervals). Three schedule forms are accepted:
 *   cron      `0 4 * * *` (5 fields, as Velero's Schedule takes), the descriptors `@daily` ..., and AWS `cron(0 4 * * ? *)`
 *   rate      `rate(6 hours)` (EventBridge)
 *   interval  `6h30m` (ACK's BackupSchedule form), also written `@every 6h30m`
 * Each converts to the EventBridge expression that triggers the backup function.
 */

/** A validated schedule. */
export type Schedule =
  | { kind: 'cron'; expression: string }
  | { kind: 'interval'; minutes: number; expression: string };

const UNITS_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const GO_DURATION = /^([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h)/;

/** Parses a Go duration (`720h0m0s`, `1h30m`, `90s`, `1.5h`) into milliseconds, or undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  let rest = text.trim();
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  while (rest) {
    const m = GO_DURATION.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * UNITS_MS[m[3]!]!;
    rest = rest.slice(m[0].length);
  }
  return sign * Math.round(total);
}

/** Formats milliseconds the way Go's Duration.String does for whole milliseconds: `720h0m0s`, `30m0s`, `1.5s`, `250ms`. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(Math.round(ms));
  if (rest < 1000) return `${sign}${rest}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = (rest / 1000).toString();
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** The first name stands for this number (JAN = 1, SUN = 0). */
  namesFrom?: number;
  /** `?` means "any" in this field (day of month, day of week). */
  question?: boolean;
}

const CRON_FIELDS: FieldRule[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: 'day of week', min: 0, max: 6, names: DAYS, namesFrom: 0, question: true },
];
const RATE = /^rate\(\s*([0-9]+)\s+(minutes?|hours?|days?)\s*\)$/;
const RATE_MINUTES: Record<string, number> = { minute: 1, minutes: 1, hour: 60, hours: 60, day: 1440, days: 1440 };

/** Parses a schedule in any accepted form; returns the schedule or a message saying what was expected. */
export function parseSchedule(text: string): Schedule | { problem: string } {
  const value = text.trim();
  if (value === '') return { problem: 'expected a schedule: a cron expression ("0 4 * * *"), a rate ("rate(6 hours)") or an interval ("6h30m")' };
  const rate = RATE.exec(value);
  if (rate) {
    const count = Number(rate[1]);
    const singular = rate[2]!.endsWith('s') ? rate[2]!.slice(0, -1) : rate[2]!;
    if (count === 0) return { problem: `a rate must be at least 1 ${singular}` };
    if ((count === 1) !== (rate[2] === singular)) return { problem: `write "rate(${count} ${count === 1 ? singular : `${singular}s`})" (EventBridge insists on the number agreeing)` };
    return interval(count * RATE_MINUTES[rate[2]!]!);
  }
  if (value.startsWith('rate(')) return { problem: `expected "rate(<n> minutes|hours|days)", got ${JSON.stringify(value)}` };
  if (value.startsWith('@every ')) return parseInterval(value.slice('@every '.length).trim(), value);
  if (value.startsWith('@')) {
    const expanded = DESCRIPTORS[value];
    return expanded ? { kind: 'cron', expression: expanded } : { problem: `unknown descriptor ${JSON.stringify(value)} (expected one of ${Object.keys(DESCRIPTORS).join(', ')} or "@every <duration>")` };
  }
  if (value.startsWith('cron(')) return parseAwsCron(value);
  if (/^[0-9.]+(ns|us|µs|ms|s|m|h)/.test(value) && !value.includes(' ')) return parseInterval(value, value);
  return parseCron(value);
}

function interval(minutes: number): Schedule {
  return { kind: 'interval', minutes, expression: `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})` };
}

function parseInterval(text: string, original: string): Schedule | { problem: string } {
  const ms = parseGoDuration(text);
  if (ms === undefined) return { problem: `expected an interval such as "6h30m", got ${JSON.stringify(original)}` };
  if (ms < 60_000 || ms % 60_000 !== 0) return { problem: `an interval must be a whole number of minutes, at least 1m; got ${JSON.stringify(original)}` };
  return interval(ms / 60_000);
}

function parseCron(value: string): Schedule | { problem: string } {
  const fields = value.split(/\s+/);
  if (fields.length !== 5) {
    return { problem: `expected a cron expression of 5 fields (minute hour day-of-month month day-of-week), got ${fields.length} in ${JSON.stringify(value)}` };
  }
  const problems = fields.flatMap((f, i) => checkCronField(f, CRON_FIELDS[i]!) ?? []);
  if (problems.length > 0) return { problem: `${problems.join('; ')} in ${JSON.stringify(value)}` };
  return { kind: 'cron', expression: fields.join(' ') };
}

function parseAwsCron(value: string): Schedule | { problem: string } {
  const m = /^cron\((.*)\)$/.exec(value);
  const fields = m ? m[1]!.trim().split(/\s+/) : [];
  if (fields.length !== 6) return { problem: `expected "cron(minute hour day-of-month month day-of-week year)" with 6 fields, got ${JSON.stringify(value)}` };
  const [dom, dow] = [fields[2]!, fields[4]!];
  if ((dom === '?') === (dow === '?')) return { problem: `an AWS cron expression needs "?" in exactly one of day-of-month and day-of-week, got ${JSON.stringify(value)}` };
  if (!/^(\*|[0-9]{4}([-,/][0-9]{1,4})*)$/.test(fields[5]!)) return { problem: `bad year field "${fields[5]}" in ${JSON.stringify(value)}` };
  // AWS numbers days of the week 1-7 from Sunday; check the other fields with the 5-field rules after shifting.
  const unixDow = dow === '?' ? '?' : shiftDays(dow, -1);
  const checked = parseCron([fields[0], fields[1], dom, fields[3], unixDow ?? 'bad'].join(' '));
  if ('problem' in checked) return { problem: checked.problem.replace(/ in ".*"$/, ` in ${JSON.stringify(value)}`) };
  return { kind: 'cron', expression: value };
}

/** A message for a bad cron field, or undefined when it is well formed. */
function checkCronField(field: string, rule: FieldRule): string | undefined {
  if (field === '*' || (rule.question && field === '?')) return undefined;
  for (const part of field.split(',')) {
    const m = /^(\*|([0-9A-Za-z]+)(-([0-9A-Za-z]+))?)(\/([0-9]+))?$/.exec(part);
    if (!m) return `bad ${rule.name} field "${field}"`;
    if (m[6] !== undefined && Number(m[6]) === 0) return `a step of 0 in the ${rule.name} field "${field}"`;
    for (const bound of [m[2], m[4]]) {
      if (bound === undefined) continue;
      const n = numberOf(bound, rule);
      if (n === undefined || n < rule.min || n > rule.max) return `${rule.name} "${bound}" is outside ${rule.min}-${rule.max}${rule.names ? ` (or ${rule.names[0]}-${rule.names[rule.names.length - 1]})` : ''}`;
    }
    if (m[4] !== undefined && numberOf(m[2]!, rule)! > numberOf(m[4], rule)!) return `the ${rule.name} range "${part}" runs backwards`;
  }
  return undefined;
}

function numberOf(token: string, rule: FieldRule): number | undefined {
  if (/^[0-9]+$/.test(token)) return Number(token);
  const i = rule.names?.indexOf(token.toUpperCase()) ?? -1;
  return i < 0 ? undefined : i + (rule.namesFrom ?? 0);
}

/** Shifts the numbers of a day-of-week field by `delta` (names are kept); undefined when a number leaves 0-7. */
function shiftDays(field: string, delta: number): string | undefined {
  let ok = true;
  const out = field.replace(/(^|[-,])([0-9]+)/g, (_m, sep: string, n: string) => {
    const shifted = Number(n) + delta;
    if (shifted < 0 || shifted > 7) ok = false;
    return `${sep}${shifted}`;
  });
  return ok ? out : undefined;
}

/**
 * The EventBridge schedule expression (`cron(...)` with 6 fields, or `rate(...)`) for a schedule, or a problem when
 * EventBridge cannot express it (a cron that restricts both day of month and day of week).
 */
export function toEventBridgeExpression(schedule: Schedule): string | { problem: string } {
  if (schedule.kind === 'interval' || schedule.expression.startsWith('cron(')) return schedule.expression;
  const [minute, hour, dom, month, dow] = schedule.expression.split(' ') as [string, string, string, string, string];
  const anyDom = dom === '*' || dom === '?';
  const anyDow = dow === '*' || dow === '?';
  if (!anyDom && !anyDow) {
    return { problem: `EventBridge cannot run "${schedule.expression}": it restricts both the day of month and the day of week` };
  }
  const step = (f: string, start: string) => f.replace(/^\*\//, `${start}/`);
  // NOTE: EventBridge numbers days of the week 1-7 from Sunday, where cron numbers them 0-6.
  const awsDow = anyDow ? '?' : shiftDays(dow, 1)!;
  return `cron(${step(minute, '0')} ${step(hour, '0')} ${anyDom ? (anyDow ? '*' : '?') : step(dom, '1')} ${step(month, '1')} ${awsDow} *)`;
}
