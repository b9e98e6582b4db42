/**
 * When a schedule fires: the next time after a given one, in UTC, as EventBridge (and Velero's cron) would. Used by
 * the offline scheduler that fires schedules on this machine and by `ferry schedules` to show the next runs.
 */
import type { Schedule } from './schedule.js';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The allowed values of one cron field (`*`, lists, ranges, steps, names). */
function fieldValues(field: string, min: number, max: number, names?: string[], namesFrom = 0): Set<number> | 'any' {
  if (field === '*' || field === '?') return 'any';
  const out = new Set<number>();
  const num = (t: string) => (/^[0-9]+$/.test(t) ? Number(t) : (names?.indexOf(t.toUpperCase()) ?? -1) + namesFrom);
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText ? Number(stepText) : 1;
    const [lo, last] = range === '*' ? [min, max] : range.split('-').map(num) as [number, number | undefined];
    const hi = last ?? (stepText ? max : lo);
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** A 5-field cron (the AWS 6-field form converted) as a matcher over UTC minutes. */
function cronMatcher(expression: string): (d: Date) => boolean {
  let fields = expression.startsWith('cron(') ? expression.slice(5, -1).trim().split(/\s+/).slice(0, 5) : expression.split(/\s+/);
  // AWS numbers days of the week 1-7 from Sunday.
  if (expression.startsWith('cron(')) fields = [...fields.slice(0, 4), fields[4]!.replace(/[0-9]+/g, (n) => String(Number(n) - 1))];
  const [mi, h, dom, mo, dow] = fields as [string, string, string, string, string];
  const minutes = fieldValues(mi, 0, 59);
  const hours = fieldValues(h, 0, 23);
  const days = fieldValues(dom, 1, 31);
  const months = fieldValues(mo, 1, 12, MONTHS, 1);
  const weekdays = fieldValues(dow.replace(/\b7\b/g, '0'), 0, 6, DAYS, 0);
  const has = (set: Set<number> | 'any', v: number) => set === 'any' || set.has(v);
  return (d) => {
    if (!has(minutes, d.getUTCMinutes()) || !has(hours, d.getUTCHours()) || !has(months, d.getUTCMonth() + 1)) return false;
    // NOTE: cron matches a day when either day field matches if both are restricted (Vixie cron); EventBridge refuses that case.
    if (days !== 'any' && weekdays !== 'any') return days.has(d.getUTCDate()) || weekdays.has(d.getUTCDay());
    return has(days, d.getUTCDate()) && has(weekdays, d.getUTCDay());
  };
}

/** The first time after `after` that the schedule fires (an interval counts from `since`); undefined within a year. */
export function nextFireTime(schedule: Schedule, after: Date, since: Date = after): Date | undefined {
  if (schedule.kind === 'interval') {
    const period = schedule.minutes * 60_000;
    const elapsed = Math.max(0, after.getTime() - since.getTime());
    return new Date(since.getTime() + (Math.floor(elapsed / period) + 1) * period);
  }
  const matches = cronMatcher(schedule.expression);
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  for (let i = 0; i < 366 * 24 * 60; i++) {
    t.setUTCMinutes(t.getUTCMinutes() + 1);
    if (matches(t)) return new Date(t.getTime());
  }
  return undefined;
}
