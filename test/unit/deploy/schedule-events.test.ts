import { describe, expect, it } from 'vitest';
import { ruleName, scheduleEvents } from '../../../scripts/deploy/schedule-events.js';
import { SpecError } from '../../../lib/spec/problems.js';
import { parseBackupEvent, type BackupRequest } from '../../../functions/backup.js';

const schedule = (name: string, expr: string, extra = '') => `apiVersion: csdr.alibabacloud.com/v1beta1
kind: BackupSchedule
metadata: {name: ${name}, namespace: csdr}
spec:
  schedule: "${expr}"${extra}
  template:
    includedNamespaces: [default]
`;

describe('scheduleEvents', () => {
  it.each([
    ['a five-field cron becomes a six-field EventBridge cron', '1 4 * * *', 'cron(1 4 * * ? *)'],
    ['a day-of-week cron shifts to EventBridge\'s 1-7 numbering', '0 3 * * 1-5', 'cron(0 3 ? * 2-6 *)'],
    ['an EventBridge rate is kept', 'rate(6 hours)', 'rate(360 minutes)'],
    ['the 6h30m interval form becomes a rate in minutes', '6h30m', 'rate(390 minutes)'],
    ['the @every interval form becomes a rate', '@every 1h', 'rate(60 minutes)'],
  ])('%s', (_case, expr, rate) => {
    const [event] = scheduleEvents(schedule('nightly', expr), 'schedules.yaml', 'ferry-dev');
    expect(event!.schedule.rate).toEqual([rate]);
  });

  it('makes one schedule per document, named after it, whose event carries the document and the firing time', () => {
    const text = `${schedule('a', '1 4 * * *')}---\n${schedule('b', '6h30m')}`;
    const events = scheduleEvents(text, 'schedules.yaml', 'ferry-dev');
    expect(events.map((e) => e.schedule.name)).toEqual(['ferry-dev-a', 'ferry-dev-b']);
    const { inputPathsMap, inputTemplate } = events[1]!.schedule.inputTransformer;
    expect(inputPathsMap).toEqual({ time: '$.time' });
    // What EventBridge sends once it has put the rule's firing time in place of <time>.
    const delivered = JSON.parse(inputTemplate.replace('<time>', '2026-01-10T03:00:00Z')) as Record<string, unknown>;
    expect(delivered).toMatchObject({ schedule: { kind: 'BackupSchedule', metadata: { name: 'b' }, spec: { schedule: '6h30m' } }, time: '2026-01-10T03:00:00Z' });
    expect(events[1]!.schedule.description).toBe('Ferry backup schedule b (6h30m)');
  });

  it('delivers an event the backup function accepts as that schedule, fired at that time', () => {
    const [event] = scheduleEvents(schedule('nightly', '1 4 * * *'), 'schedules.yaml', 'ferry-dev');
    const delivered = JSON.parse(event!.schedule.inputTransformer.inputTemplate.replace('<time>', '2026-01-10T04:01:00Z')) as Record<string, unknown>;
    const request = parseBackupEvent(delivered) as BackupRequest;
    expect(request.document.type).toBe('schedule');
    expect(request.document.type === 'schedule' && request.document.schedule.name).toBe('nightly');
    expect(request.time?.toISOString()).toBe('2026-01-10T04:01:00.000Z');
  });

  it('disables the rule of a paused Velero Schedule instead of leaving it out', () => {
    const text = 'apiVersion: velero.io/v1\nkind: Schedule\nmetadata: {name: weekly}\nspec:\n  schedule: "0 3 * * 0"\n  paused: true\n  template: {includeClusterResources: true}\n';
    expect(scheduleEvents(text, 's.yaml', 'p')[0]!.schedule.enabled).toBe(false);
  });

  it('reports every problem of every document at once, with positions', () => {
    const text = [
      schedule('ok', '1 4 * * *'),
      schedule('bad-cron', '99 4 * * *'),
      schedule('both-days', '0 4 1 * 1'),
      'apiVersion: csdr.alibabacloud.com/v1beta1\nkind: ApplicationBackup\nmetadata: {name: once}\nspec: {includedNamespaces: [default]}\n',
      schedule('ok', '0 5 * * *'),
    ].join('---\n');
    const err = (() => { try { scheduleEvents(text, 'schedules.yaml', 'p'); } catch (e) { return e; } })() as SpecError;
    expect(err).toBeInstanceOf(SpecError);
    const messages = err.problems.map((p) => `${p.document} ${p.path}: ${p.message}`);
    expect(messages).toHaveLength(4);
    expect(messages[0]).toMatch(/^schedules\.yaml#2 spec\.schedule: .*minute "99" is outside 0-59/);
    expect(messages[1]).toMatch(/^schedules\.yaml#3 spec\.schedule: EventBridge cannot run "0 4 1 \* 1"/);
    expect(messages[2]).toMatch(/^schedules\.yaml#4 kind: expected a BackupSchedule or Velero Schedule, got a one-off backup/);
    expect(messages[3]).toMatch(/^schedules\.yaml#5 metadata\.name: "ok" is also the name of schedules\.yaml#1/);
    expect(err.problems[0]!.line).toBeGreaterThan(1);
  });

  it('makes no schedules from an empty file', () => {
    expect(scheduleEvents('# nothing yet\n', 'schedules.yaml', 'p')).toEqual([]);
  });
});

describe('ruleName', () => {
  it('keeps a short name as prefix-name', () => {
    expect(ruleName('ferry-dev', 'nightly')).toBe('ferry-dev-nightly');
  });

  it('shortens a long name to 64 characters and keeps two long names apart', () => {
    const a = ruleName('ferry-production', `${'x'.repeat(60)}-a`);
    const b = ruleName('ferry-production', `${'x'.repeat(60)}-b`);
    expect(a).toHaveLength(64);
    expect(b).toHaveLength(64);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[.\-_A-Za-z0-9]+$/);
  });
});
