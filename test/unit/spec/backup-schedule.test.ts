import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration, parseSchedule, toEventBridgeExpression, type Schedule } from '../../../lib/spec/schedule.js';

describe('parseGoDuration and formatGoDuration', () => {
  it.each([
    ['720h0m0s', 720 * 3_600_000, '720h0m0s'],
    ['720h', 720 * 3_600_000, '720h0m0s'],
    ['1h30m', 90 * 60_000, '1h30m0s'],
    ['90m', 90 * 60_000, '1h30m0s'],
    ['1.5h', 90 * 60_000, '1h30m0s'],
    ['45s', 45_000, '45s'],
    ['2m3.5s', 123_500, '2m3.5s'],
    ['250ms', 250, '250ms'],
    ['0', 0, '0s'],
    ['-1h', -3_600_000, '-1h0m0s'],
  ])('reads "%s" as %d ms and writes it back as Go does ("%s")', (text, ms, formatted) => {
    expect(parseGoDuration(text)).toBe(ms);
    expect(formatGoDuration(ms)).toBe(formatted);
  });

  it.each(['', 'h', '10', '10d', '1h 30m', 'abc', '1h30'])('refuses "%s", which is not a Go duration', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe('parseSchedule', () => {
  it.each<[string, string, Schedule]>([
    ['a five-field cron expression is kept as written', '1 4 * * *', { kind: 'cron', expression: '1 4 * * *' }],
    ['a cron with lists, ranges, steps and names is accepted', '*/15 8-18 * JAN-MAR,dec mon-fri', { kind: 'cron', expression: '*/15 8-18 * JAN-MAR,dec mon-fri' }],
    ['extra spaces between cron fields are normalised', ' 0  4 * *   *', { kind: 'cron', expression: '0 4 * * *' }],
    ['@daily expands to its cron expression', '@daily', { kind: 'cron', expression: '0 0 * * *' }],
    ['an AWS cron expression is kept as written', 'cron(0 12 ? * MON-FRI *)', { kind: 'cron', expression: 'cron(0 12 ? * MON-FRI *)' }],
    ['ACK\'s interval form becomes minutes', '6h30m', { kind: 'interval', minutes: 390, expression: 'rate(390 minutes)' }],
    ['Velero\'s @every form becomes minutes', '@every 2h', { kind: 'interval', minutes: 120, expression: 'rate(120 minutes)' }],
    ['an EventBridge rate in hours becomes minutes', 'rate(6 hours)', { kind: 'interval', minutes: 360, expression: 'rate(360 minutes)' }],
    ['a one-minute rate keeps the singular', 'rate(1 minute)', { kind: 'interval', minutes: 1, expression: 'rate(1 minute)' }],
  ])('%s', (_name, text, expected) => {
    expect(parseSchedule(text)).toEqual(expected);
  });

  it.each([
    ['a cron with four fields', '0 4 * *', /5 fields/],
    ['a cron minute of 60', '60 4 * * *', /minute "60" is outside 0-59/],
    ['a cron hour of 24', '0 24 * * *', /hour "24" is outside 0-23/],
    ['a cron day of week of 7', '0 4 * * 7', /day of week "7" is outside 0-6/],
    ['an unknown month name', '0 4 * FOO *', /month "FOO"/],
    ['a backwards range', '0 20-8 * * *', /runs backwards/],
    ['a step of zero', '*/0 * * * *', /step of 0/],
    ['an interval that is not whole minutes', '90s', /whole number of minutes/],
    ['an interval shorter than a minute', '@every 30s', /at least 1m/],
    ['a rate whose plural does not agree', 'rate(1 hours)', /rate\(1 hour\)/],
    ['a rate of zero', 'rate(0 minutes)', /at least 1 minute/],
    ['a rate in weeks', 'rate(2 weeks)', /minutes\|hours\|days/],
    ['an unknown descriptor', '@fortnightly', /unknown descriptor/],
    ['an AWS cron with "?" in neither day field', 'cron(0 12 * * MON *)', /exactly one/],
    ['an AWS cron with five fields', 'cron(0 12 * * ?)', /6 fields/],
    ['an empty schedule', '  ', /expected a schedule/],
  ])('refuses %s', (_name, text, message) => {
    const result = parseSchedule(text);
    expect(result).toHaveProperty('problem');
    expect((result as { problem: string }).problem).toMatch(message);
  });
});

describe('toEventBridgeExpression', () => {
  it.each([
    ['every day at 04:01', '1 4 * * *', 'cron(1 4 * * ? *)'],
    ['weekdays, shifting day numbers to EventBridge\'s 1-7 from Sunday', '0 12 * * 1-5', 'cron(0 12 ? * 2-6 *)'],
    ['Sunday by name, which EventBridge reads as well', '0 12 * * SUN', 'cron(0 12 ? * SUN *)'],
    ['the first of the month', '30 2 1 * *', 'cron(30 2 1 * ? *)'],
    ['a step in minutes, written from 0', '*/15 * * * *', 'cron(0/15 * * * ? *)'],
    ['an interval', '6h30m', 'rate(390 minutes)'],
    ['an AWS cron, unchanged', 'cron(0 12 ? * MON-FRI *)', 'cron(0 12 ? * MON-FRI *)'],
  ])('converts %s', (_name, text, expected) => {
    const schedule = parseSchedule(text) as Schedule;
    expect(toEventBridgeExpression(schedule)).toBe(expected);
  });

  it('refuses a cron that restricts both the day of month and the day of week, which EventBridge cannot express', () => {
    expect(toEventBridgeExpression(parseSchedule('0 4 1 * 1') as Schedule)).toHaveProperty('problem');
  });
});
