// The real Tracer and X-Ray SDK as Lambda runs them (its environment stubbed: a trace header, the daemon's address),
// sending to a UDP socket that plays the X-Ray daemon: the handler's subsegment and a bucket call's subsegment
// arrive, in the trace the header names. This file loads the Tracer itself; nothing else here has loaded it.
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createRuntime } from '../../../functions/compose.js';
import { ferryHandler } from '../../../functions/middleware/index.js';

const ROOT = '1-5759e988-bd862e3fe1be46a994272793';
let daemon: Socket;
const received: Record<string, unknown>[] = [];

beforeAll(async () => {
  daemon = createSocket('udp4');
  // Each datagram is a header line, then one segment document.
  daemon.on('message', (m) => received.push(JSON.parse(m.toString().split('\n')[1]!) as Record<string, unknown>));
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  for (const [k, v] of Object.entries({
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x', LAMBDA_TASK_ROOT: '/var/task', _HANDLER: 'index.handler', AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`, _X_AMZN_TRACE_ID: `Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1`,
    AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
  })) vi.stubEnv(k, v);
});

afterAll(() => {
  vi.unstubAllEnvs();
  daemon.close();
});

it('sends the handler\'s subsegment and a bucket call\'s subsegment, with its error, to the X-Ray daemon', async () => {
  // A bucket on a closed local port: the call fails at once, without a network.
  const config = JSON.stringify({ clusters: {}, storageLocations: { default: { bucket: 'b', region: 'us-east-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true } } });
  const runtime = createRuntime({ FERRY_CONFIG_JSON: config, FERRY_TRACING: 'true' }, { write: () => undefined });
  const handler = ferryHandler({ name: 'index', what: 'event', parse: (e) => e, runtime },
    async (_e, rt) => rt.openStore().store.head('catalog/backups/a.json').catch(() => 'unreachable'));
  expect(await handler({}, { awsRequestId: 'r-1', functionName: 'ferry-dev-index' } as never)).toBe('unreachable');
  await vi.waitUntil(() => received.some((s) => s.name === '## index.handler'), { timeout: 10_000, interval: 20 });
  const handlerSegment = received.find((s) => s.name === '## index.handler')!;
  expect(handlerSegment).toMatchObject({ trace_id: ROOT, type: 'subsegment', annotations: { Service: 'ferry', ColdStart: true } });
  const s3 = received.find((s) => s.name === 'S3 head');
  expect(s3).toMatchObject({ trace_id: ROOT, parent_id: handlerSegment.id, metadata: { default: { key: 'catalog/backups/a.json' } }, fault: true });
});
