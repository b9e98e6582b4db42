import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextFireTime, runSchedules, type LocalSchedule } from '../../../scripts/offline/scheduler.js';
import { parseSchedule, type Schedule } from '../../../lib/spec/schedule.js';

const schedule = (text: string): Schedule => {
  const s = parseSchedule(text);
  if ('problem' in s) throw new Error(s.problem);
  return s;
};

describe('nextFireTime', () => {
  it.each([
    ['a daily cron fires later the same day', '1 4 * * *', '2026-01-10T03:00:30Z', '2026-01-10T04:01:00.000Z'],
    ['a daily cron past its time fires the next day', '1 4 * * *', '2026-01-10T04:01:00Z', '2026-01-11T04:01:00.000Z'],
    ['a step in minutes fires at the next multiple', '*/15 * * * *', '2026-01-10T03:16:00Z', '2026-01-10T03:30:00.000Z'],
    ['a weekday cron skips the weekend (2026-01-10 is a Saturday)', '0 9 * * MON-FRI', '2026-01-10T10:00:00Z', '2026-01-12T09:00:00.000Z'],
    ['a Sunday cron written by name fires on Sunday', '0 3 * * SUN', '2026-01-10T10:00:00Z', '2026-01-11T03:00:00.000Z'],
    ['an AWS cron numbers days of the week from 1 (2 is Monday)', 'cron(0 9 ? * 2 *)', '2026-01-10T10:00:00Z', '2026-01-12T09:00:00.000Z'],
    ['a monthly descriptor fires on the first', '@monthly', '2026-01-10T10:00:00Z', '2026-02-01T00:00:00.000Z'],
  ])('%s', (_case, text, after, next) => {
    expect(nextFireTime(schedule(text), new Date(after))?.toISOString()).toBe(next);
  });

  it.each([
    ['a 6h30m interval fires 390 minutes after the runner started', '6h30m', '2026-01-10T00:00:00Z', '2026-01-10T00:00:00Z', '2026-01-10T06:30:00.000Z'],
    ['an interval keeps its period from the start, not from a late firing', 'rate(1 hour)', '2026-01-10T00:00:00Z', '2026-01-10T01:20:00Z', '2026-01-10T02:00:00.000Z'],
  ])('%s', (_case, text, since, after, next) => {
    expect(nextFireTime(schedule(text), new Date(after), new Date(since))?.toISOString()).toBe(next);
  });
});

describe('runSchedules', () => {
  afterEach(() => vi.useRealTimers());

  it('invokes each enabled schedule with the event for its firing time and never a paused one', async () => {
    // Fake timers and a fake clock: the runner's waits pass when the test says so, not in real time.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(new Date('2026-01-10T00:00:59.990Z'));
    const fired: unknown[] = [];
    const every: LocalSchedule = { name: 'every', schedule: schedule('* * * * *'), enabled: true, eventAt: (t) => ({ schedule: 'every', time: t.toISOString() }) };
    const paused: LocalSchedule = { ...every, name: 'paused', enabled: false };
    const runner = runSchedules([every, paused], async (_s, event) => { fired.push(event); });
    await vi.advanceTimersByTimeAsync(9);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual([{ schedule: 'every', time: '2026-01-10T00:01:00.000Z' }]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fired).toEqual([{ schedule: 'every', time: '2026-01-10T00:01:00.000Z' }, { schedule: 'every', time: '2026-01-10T00:02:00.000Z' }]);
    runner.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(fired).toHaveLength(2);
  });
});
