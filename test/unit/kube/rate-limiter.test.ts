import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../lib/kube/rate-limiter.js';

/** A fake clock whose sleep advances time, so the limiter's waits can be read back exactly. */
function fakeClock() {
  let t = 0;
  const sleeps: number[] = [];
  return { now: () => t, sleep: async (ms: number) => { sleeps.push(ms); t += ms; }, sleeps, elapsed: () => t };
}

describe('RateLimiter', () => {
  it('lets a burst through without waiting', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(10, 5, clock.now, clock.sleep);
    for (let i = 0; i < 5; i++) await limiter.take();
    expect(clock.elapsed()).toBe(0);
  });

  it('spaces requests past the burst at the configured rate', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(10, 2, clock.now, clock.sleep);
    for (let i = 0; i < 6; i++) await limiter.take();
    expect(clock.elapsed()).toBeCloseTo(400, 5);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new RateLimiter(0, 1)).toThrow(/qps > 0/);
  });
});
