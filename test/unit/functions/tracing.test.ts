// Tracing and the invocation's log fields, through the real handlers' middleware stack: the fields Powertools'
// Logger puts on every line (cold_start, function_*, xray_trace_id), the handler's X-Ray subsegment and the
// subsegments of bucket and cluster calls. The Tracer is a recording fake: X-Ray itself is AWS's.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { createRuntime } from '../../../functions/compose.js';
import { createIndexHandler } from '../../../functions/index.js';
import { ferryHandler } from '../../../functions/middleware/index.js';
import { CLUSTER_CALLS, createTracing, STORE_CALLS, traceCalls, type SubsegmentLike } from '../../../functions/tracing.js';
import { NotFoundError } from '../../../lib/store/errors.js';
import { RESOURCES, sourceCluster, obj } from '../../support/fake-cluster.js';
import { MemoryStore } from '../../support/memory-store.js';

const CONFIG = JSON.stringify({ clusters: {}, storageLocations: { default: { bucket: 'b' } } });
const TRACE_HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

/** A segment that records its subsegments, their metadata and errors, and whether they were closed. */
class RecordedSegment implements SubsegmentLike {
  readonly children: RecordedSegment[] = [];
  readonly metadata: Record<string, unknown> = {};
  readonly annotations: Record<string, unknown> = {};
  errors: string[] = [];
  closed = false;
  constructor(readonly name: string) {}
  addNewSubsegment(name: string): RecordedSegment {
    const sub = new RecordedSegment(name);
    this.children.push(sub);
    return sub;
  }
  addMetadata(key: string, value: unknown): void { this.metadata[key] = value; }
  addAnnotation(key: string, value: unknown): void { this.annotations[key] = value; }
  addError(err: Error | string): void { this.errors.push(String(err instanceof Error ? err.message : err)); }
  close(): void { this.closed = true; }
}

/** The part of Powertools' Tracer its middleware and Ferry's decorators call, over RecordedSegments. */
function recordingTracer() {
  const facade = new RecordedSegment('facade');
  let current: RecordedSegment = facade;
  const tracer = {
    facade,
    isTracingEnabled: () => true,
    getSegment: () => current,
    setSegment: (s: RecordedSegment) => { current = s; },
    annotateColdStart: () => current.addAnnotation('ColdStart', true),
    addServiceNameAnnotation: () => current.addAnnotation('Service', 'ferry'),
    addErrorAsMetadata: (err: Error) => current.addError(err),
    addResponseAsMetadata: () => { throw new Error('responses are not recorded'); },
  };
  return tracer;
}

function runtimeWith(lines: string[], env: Record<string, string> = {}, tracer = recordingTracer()) {
  const tracing = createTracing(env, async () => tracer as unknown as Tracer);
  return { runtime: createRuntime({ FERRY_CONFIG_JSON: CONFIG, ...env }, { write: (l) => { lines.push(l); }, tracing }), tracer };
}

const context = (id: string) => ({ awsRequestId: id, functionName: 'ferry-dev-index', memoryLimitInMB: '1024',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ferry-dev-index' });

describe('the invocation\'s log fields, as Powertools\' Logger has them', () => {
  it('are on every line of an invocation of the index function, the cold start only on the first, and on no line after it', async () => {
    const lines: string[] = [];
    const { runtime } = runtimeWith(lines);
    const handler = createIndexHandler(runtime);
    const previous = process.env._X_AMZN_TRACE_ID;
    process.env._X_AMZN_TRACE_ID = TRACE_HEADER;
    try {
      await handler({ Records: [] }, context('req-1') as never);
      await handler({ Records: [] }, context('req-2') as never);
    } finally {
      if (previous === undefined) delete process.env._X_AMZN_TRACE_ID;
      else process.env._X_AMZN_TRACE_ID = previous;
    }
    runtime.log.info('between invocations');
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const byRequest = (id: string) => parsed.filter((l) => l.function_request_id === id);
    expect(byRequest('req-1').map((l) => l.msg)).toEqual(['invoked', 'ignored an event without records', 'done']);
    expect(byRequest('req-2').map((l) => l.msg)).toEqual(['invoked', 'ignored an event without records', 'done']);
    for (const line of [...byRequest('req-1'), ...byRequest('req-2')]) {
      expect(line).toMatchObject({ function_name: 'ferry-dev-index', function_memory_size: 1024, xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
        function_arn: 'arn:aws:lambda:us-east-1:123456789012:function:ferry-dev-index', cold_start: expect.any(Boolean) as boolean });
    }
    expect(byRequest('req-2').every((l) => l.cold_start === false)).toBe(true);
    expect(parsed.at(-1)).toEqual({ level: 'info', time: expect.any(String) as string, msg: 'between invocations' });
  });
});

afterEach(() => vi.unstubAllEnvs());

describe('X-Ray tracing', () => {
  it('is off unless FERRY_TRACING is true: the Tracer is never loaded', async () => {
    let loaded = 0;
    const tracing = createTracing({}, async () => { loaded++; return recordingTracer() as unknown as Tracer; });
    const runtime = createRuntime({ FERRY_CONFIG_JSON: CONFIG }, { write: () => undefined, tracing });
    await ferryHandler({ name: 'index', what: 'event', parse: (e) => e, runtime }, async () => 'ok')({}, context('r') as never);
    expect(loaded).toBe(0);
    expect(runtime.openStore().store).toBeDefined();
  });

  it('opens a handler subsegment with the ColdStart and Service annotations, and closes it with the error of a failed invocation', async () => {
    const { runtime, tracer } = runtimeWith([], { FERRY_TRACING: 'true' });
    const handler = ferryHandler({ name: 'index', what: 'event', parse: (e) => e, runtime }, async () => { throw new Error('the bucket failed'); });
    await expect(handler({}, context('r') as never)).rejects.toThrow('the bucket failed');
    const [sub] = tracer.facade.children;
    expect(sub).toMatchObject({ annotations: { ColdStart: true, Service: 'ferry' }, errors: ['the bucket failed'], closed: true });
    expect(tracer.getSegment()).toBe(tracer.facade);
  });

  it('traces the runtime\'s bucket calls under the handler\'s subsegment, each with its key and error, once the Tracer is loaded', async () => {
    // A bucket on a closed local port: the call fails at once, without credentials or a network.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    const lines: string[] = [];
    const tracer = recordingTracer();
    const tracing = createTracing({ FERRY_TRACING: 'true' }, async () => tracer as unknown as Tracer);
    const config = JSON.stringify({ clusters: {}, storageLocations: { default: { bucket: 'b', region: 'us-east-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true } } });
    const runtime = createRuntime({ FERRY_CONFIG_JSON: config }, { write: (l) => { lines.push(l); }, tracing });
    const handler = ferryHandler({ name: 'index', what: 'event', parse: (e) => e, runtime }, async (_e, rt) => {
      const { store } = rt.openStore();
      return store.head('catalog/backups/a.json').catch((err: Error) => err.name);
    });
    await handler({}, context('r') as never);
    const [sub] = tracer.facade.children;
    expect(sub!.children.map((c) => [c.name, c.metadata, c.closed])).toEqual([['S3 head', { key: 'catalog/backups/a.json' }, true]]);
    expect(sub!.children[0]!.errors).toEqual([expect.stringMatching(/catalog\/backups\/a.json/)]);
  });
});

describe('traceCalls', () => {
  const tracing = (tracer = recordingTracer()) => ({ tracer, tracing: { current: tracer } });

  it.each([
    ['a put with its key', (s: MemoryStore) => s.put('backups/a/velero-backup.json', '{}'), 'S3 put', { key: 'backups/a/velero-backup.json' }, []],
    ['a failed read, with its error', (s: MemoryStore) => s.getBytes('missing').catch(() => undefined), 'S3 getBytes', { key: 'missing' }, [new NotFoundError('missing').message]],
  ])('gives the store\'s %s a subsegment', async (_case, call, name, metadata, errors) => {
    const { tracer, tracing: t } = tracing();
    await call(traceCalls(new MemoryStore(), t, 'S3', STORE_CALLS));
    expect(tracer.facade.children.map((c) => ({ name: c.name, metadata: c.metadata, errors: c.errors, closed: c.closed }))).toEqual([{ name, metadata, errors, closed: true }]);
  });

  it('traces a cluster\'s discovery and LIST pages (bytes included) with their resource and namespace, not its per-object reads', async () => {
    const { tracer, tracing: t } = tracing();
    const cluster = traceCalls(sourceCluster([obj('v1', 'ConfigMap', 'c', 'shop')]), t, 'kube', CLUSTER_CALLS);
    await cluster.discover();
    const configmaps = RESOURCES.find((r) => r.resource === 'configmaps')!;
    await cluster.listPageBytes!(configmaps, { namespace: 'shop' });
    await cluster.read('v1', 'ConfigMap', 'c', 'shop');
    expect(tracer.facade.children.map((c) => [c.name, c.metadata])).toEqual([
      ['kube discover', {}], ['kube listPageBytes', { resource: 'configmaps', namespace: 'shop' }],
    ]);
    expect(cluster.rawLists).toBe(1);
  });

  it('passes calls through untraced while no Tracer is loaded', async () => {
    const store = traceCalls(new MemoryStore(), { current: undefined }, 'S3', STORE_CALLS);
    await store.put('k', 'v');
    expect(store.text('k')).toBe('v');
  });
});
