import { afterEach, describe, expect, it } from 'vitest';
import { startBridge, type Bridge } from '../../../scripts/offline/bridge.js';

let bridge: Bridge | undefined;
afterEach(async () => { await bridge?.close(); bridge = undefined; });

/** A record as versitygw's webhook posts it: `s3:` event names and raw keys. */
const record = (key: string, eventName = 's3:ObjectCreated:Put') => ({
  eventVersion: '2.2', eventSource: 'aws:s3', eventName, s3: { bucket: { name: 'ferry-local' }, object: { key, size: 10 } },
});

async function post(url: string, body: unknown): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return res.status;
}

describe('the bucket-event bridge', () => {
  it('gathers records that arrive together into one index invocation, with keys encoded as S3 encodes them', async () => {
    const calls: [string, unknown][] = [];
    // The batch window never closes by itself here (a loaded machine may take longer than any short one between the
    // two posts): drain() closes it.
    bridge = await startBridge({ port: 0, lambdaEndpoint: 'unused', functionName: 'ferry-dev-index', batchMs: 600_000, log: () => undefined,
      invoke: async (fn, event) => { calls.push([fn, event]); return { ok: true, body: '{}' }; } });
    expect(await post(bridge.url, { Records: [record('backups/b1/velero-backup.json')] })).toBe(200);
    expect(await post(bridge.url, { Records: [record('backups/b1/a file+x.json')] })).toBe(200);
    await bridge.drain();
    expect(calls).toHaveLength(1);
    const [fn, event] = calls[0]! as [string, { Records: { eventName: string; s3: { object: { key: string } } }[] }];
    expect(fn).toBe('ferry-dev-index');
    expect(event.Records.map((r) => [r.eventName, r.s3.object.key])).toEqual([
      ['ObjectCreated:Put', 'backups/b1/velero-backup.json'],
      ['ObjectCreated:Put', 'backups/b1/a+file%2Bx.json'],
    ]);
    expect(bridge.invocations).toEqual([{ records: 2, keys: ['backups/b1/velero-backup.json', 'backups/b1/a+file%2Bx.json'], ok: true, body: '{}' }]);
  });

  it.each([
    ['versitygw\'s test event, which has no records', { Service: 'S3', Event: 's3:TestEvent' }],
    ['a body that is not JSON', 'not json'],
  ])('answers %s without invoking anything', async (_case, body) => {
    let invoked = 0;
    bridge = await startBridge({ port: 0, lambdaEndpoint: 'unused', functionName: 'f', batchMs: 10, log: () => undefined,
      invoke: async () => { invoked++; return { ok: true, body: '' }; } });
    expect(await post(bridge.url, body)).toBe(200);
    await bridge.drain();
    expect(invoked).toBe(0);
  });

  it('records a failed invocation and goes on with the next batch', async () => {
    const answers = [{ ok: false, body: '{"errorType":"IndexRunError"}' }, { ok: true, body: '{}' }];
    bridge = await startBridge({ port: 0, lambdaEndpoint: 'unused', functionName: 'f', batchMs: 10, log: () => undefined,
      invoke: async () => answers.shift()! });
    await post(bridge.url, { Records: [record('backups/a/x')] });
    await bridge.drain();
    await post(bridge.url, { Records: [record('backups/b/y')] });
    await bridge.drain();
    expect(bridge.invocations.map((i) => i.ok)).toEqual([false, true]);
  });

  it('keeps retrying while the Lambda API refuses connections, as it does while osls offline starts', async () => {
    let attempts = 0;
    bridge = await startBridge({ port: 0, lambdaEndpoint: 'unused', functionName: 'f', batchMs: 10, log: () => undefined,
      invoke: async () => {
        attempts++;
        if (attempts < 3) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3002'), { code: 'ECONNREFUSED' });
        return { ok: true, body: '{}' };
      } });
    await post(bridge.url, { Records: [record('backups/a/x')] });
    await bridge.drain();
    expect(attempts).toBe(3);
    expect(bridge.invocations.map((i) => i.ok)).toEqual([true]);
  });
});
