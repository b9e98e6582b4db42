import { describe, expect, it } from 'vitest';
import { ClusterError, errorForStatus, TooManyRequests } from '../../../lib/kube/errors.js';
import { withRetry } from '../../../lib/kube/retry.js';

const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

/** A function that fails with the given errors in turn, then answers "ok"; it records every call. */
function failing(...errors: Error[]) {
  let calls = 0;
  const fn = async () => {
    const err = errors[calls++];
    if (err) throw err;
    return 'ok';
  };
  return { fn, calls: () => calls };
}

describe('withRetry', () => {
  it.each<[string, Error[], number[]]>([
    ['a 500 is retried with doubling delays', [new ClusterError('boom', 500), new ClusterError('boom', 503)], [100, 200]],
    ['a 429 waits as long as Retry-After asks', [new TooManyRequests('slow down', 0.7)], [700]],
    ['a 429 without Retry-After uses the backoff', [new TooManyRequests('slow down', undefined)], [100]],
    ['a request with no answer is retried', [new ClusterError('socket hang up', 0)], [100]],
  ])('%s', async (_name, errors, delays) => {
    const slept: number[] = [];
    const f = failing(...errors);
    await expect(withRetry(f.fn, policy, async (ms) => { slept.push(ms); })).resolves.toBe('ok');
    expect(slept).toEqual(delays);
  });

  it.each<[string, Error]>([
    ['a 422 that will fail again is not retried', new ClusterError('invalid', 422)],
    ['a 403 is not retried', new ClusterError('forbidden', 403)],
    ['an error that is not the cluster\'s is not retried', new TypeError('bug')],
  ])('%s', async (_name, error) => {
    const f = failing(error);
    await expect(withRetry(f.fn, policy, async () => undefined)).rejects.toBe(error);
    expect(f.calls()).toBe(1);
  });

  it.each<[string, number[], number[]]>([
    ['half the backoff jittered, with draws 0, 1 and 0.5, waits 100, 100 and 300 ms (never more than the backoff)', [0, 1, 0.5], [100, 100, 300]],
    ['draws of 1 halve every backoff', [1, 1, 1], [50, 100, 200]],
  ])('%s', async (_name, draws, delays) => {
    const slept: number[] = [];
    const f = failing(...Array.from({ length: 3 }, () => new ClusterError('boom', 503)));
    let i = 0;
    await withRetry(f.fn, { ...policy, jitter: 0.5 }, async (ms) => { slept.push(ms); }, undefined, () => draws[i++]!);
    expect(slept).toEqual(delays);
  });

  it('waits a Retry-After as the server asked, without jitter below it', async () => {
    const slept: number[] = [];
    const f = failing(new TooManyRequests('slow down', 0.7));
    await withRetry(f.fn, { ...policy, jitter: 1 }, async (ms) => { slept.push(ms); }, undefined, () => 1);
    expect(slept).toEqual([700]);
  });

  it('gives up after the configured number of attempts with the last error', async () => {
    const errors = Array.from({ length: 5 }, (_, i) => new ClusterError(`boom ${i}`, 500));
    const f = failing(...errors);
    await expect(withRetry(f.fn, policy, async () => undefined)).rejects.toThrow('boom 3');
    expect(f.calls()).toBe(4);
  });
});

describe('errorForStatus', () => {
  it.each([
    ['a 404 is NotFound', 404, '{"reason":"NotFound","message":"x not found"}', 'NotFound'],
    ['a 409 AlreadyExists is AlreadyExists', 409, '{"reason":"AlreadyExists","message":"exists"}', 'AlreadyExists'],
    ['another 409 is Conflict', 409, '{"reason":"Conflict","message":"changed"}', 'Conflict'],
    ['a 410 is Expired', 410, '{"reason":"Expired","message":"too old"}', 'Expired'],
    ['a 429 is TooManyRequests', 429, '{"reason":"TooManyRequests"}', 'TooManyRequests'],
    ['a 422 keeps the server message', 422, '{"reason":"Invalid","message":"spec.replicas: Invalid value"}', 'ClusterError'],
  ])('%s', (_name, status, body, name) => {
    const err = errorForStatus(status, body, 'create x', '2');
    expect(err.name).toBe(name);
    expect(err.status).toBe(status);
    expect(err.message).toContain('create x');
  });

  it('reads Retry-After seconds on a 429', () => {
    expect((errorForStatus(429, '', 'list', '3') as TooManyRequests).retryAfterSeconds).toBe(3);
  });
});
