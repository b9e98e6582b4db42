/**
 * Fires backup schedules on this machine as EventBridge would: at each time the schedule names, the backup
 * function is invoked with the event its rule delivers (`{schedule, time}`). serverless-offline's own scheduler
 * reads neither AWS cron's 1-7 days of the week nor rates over an hour, so the offline runner uses this one.
 */
import type { Schedule } from '../../lib/spec/schedule.js';
import { nextFireTime } from '../../lib/spec/schedule-times.js';

export { nextFireTime };

/** One schedule to fire: its name, when, and the event its rule delivers. */
export interface LocalSchedule {
  name: string;
  schedule: Schedule;
  enabled: boolean;
  /** The event for a firing time. */
  eventAt(time: Date): unknown;
}

/** Fires schedules until stopped; `fire` invokes the function. */
export function runSchedules(schedules: LocalSchedule[], fire: (s: LocalSchedule, event: unknown) => Promise<void>,
  clock: () => Date = () => new Date(), log: (line: string) => void = () => undefined): { stop(): void } {
  const timers = new Set<NodeJS.Timeout>();
  const started = clock();
  let stopped = false;
  const arm = (s: LocalSchedule, after: Date) => {
    const next = nextFireTime(s.schedule, after, started);
    if (!next || stopped) return;
    log(`${s.name}: next backup at ${next.toISOString()}`);
    // setTimeout holds at most ~24.8 days; wake up earlier and re-arm when the time is further away.
    const wait = Math.min(next.getTime() - clock().getTime(), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (clock().getTime() < next.getTime()) return arm(s, new Date(next.getTime() - 60_000));
      void fire(s, s.eventAt(next)).catch((err: unknown) => log(`${s.name}: ${(err as Error).message}`)).finally(() => arm(s, next));
    }, Math.max(0, wait));
    timers.add(timer);
  };
  for (const s of schedules) {
    if (s.enabled) arm(s, started);
    else log(`${s.name}: paused, not scheduled`);
  }
  return {
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
