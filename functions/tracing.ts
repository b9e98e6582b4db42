/**
 * X-Ray tracing the Lambda way, through Powertools' Tracer: the handler's subsegment (with the ColdStart and
 * Service annotations), and one subsegment per call to the bucket and per discovery and LIST of a cluster, named
 * `S3 <operation>` and `kube <operation>`. Single-object reads and writes of a cluster are not traced: a restore
 * makes one per object (100,000 in a large one), which would cost more than it tells.
 *
 * The Tracer (and the X-Ray SDK under it) is loaded on the first invocation and only when the function's tracing
 * is on (FERRY_TRACING=true, which serverless.yml sets with its `tracing.lambda`): loading it costs a few hundred ms
 * of cold start, spent for nothing where no trace is sent.
 */
import type { Tracer } from '@aws-lambda-powertools/tracer';

/** The part of a (sub)segment the decorators use. */
export interface SubsegmentLike {
  addMetadata(key: string, value: unknown): void;
  addError(err: Error | string, remote?: boolean): void;
  close(): void;
}

/** The part of Powertools' Tracer the decorators use: the current segment, to hang subsegments on. */
export interface SegmentSource {
  isTracingEnabled(): boolean;
  getSegment(): { addNewSubsegment(name: string): SubsegmentLike } | undefined;
}

/** Tracing of one process: off, or on with its Tracer loaded on first use. */
export interface Tracing {
  readonly enabled: boolean;
  /** The Tracer once loaded; the decorators trace nothing before. */
  current?: SegmentSource;
  /** Loads the Tracer (once). */
  load(): Promise<Tracer>;
}

/** Tracing as the environment asks: on when FERRY_TRACING is `true`. `load` builds the Tracer (tests pass their own). */
export function createTracing(env: Record<string, string | undefined>, load: () => Promise<Tracer> = loadTracer): Tracing {
  let loading: Promise<Tracer> | undefined;
  const tracing: Tracing = {
    enabled: env.FERRY_TRACING === 'true',
    load: () => (loading ??= load().then((tracer) => {
      tracing.current = tracer as unknown as SegmentSource;
      return tracer;
    })),
  };
  return tracing;
}

async function loadTracer(): Promise<Tracer> {
  const { Tracer: PowertoolsTracer } = await import('@aws-lambda-powertools/tracer');
  // Outgoing HTTP is traced by the port decorators, under names that say what the call was for.
  return new PowertoolsTracer({ serviceName: 'ferry', captureHTTPsRequests: false });
}

/** What a decorated call records besides its name: metadata from its arguments. */
export type CallMetadata = (args: unknown[]) => Record<string, unknown>;

/**
 * `target` with each method of `methods` traced: a subsegment `<prefix> <method>` around each call that returns a
 * promise, with the metadata `methods` gives and the error the call failed with. Everything else passes through.
 */
export function traceCalls<T extends object>(target: T, tracing: Pick<Tracing, 'current'>, prefix: string, methods: Record<string, CallMetadata>): T {
  return new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      const metadataOf = typeof prop === 'string' && Object.hasOwn(methods, prop) ? methods[prop] : undefined;
      if (!metadataOf) return method.bind(obj);
      return (...args: unknown[]) => {
        const tracer = tracing.current;
        const sub = tracer?.isTracingEnabled() ? tracer.getSegment()?.addNewSubsegment(`${prefix} ${String(prop)}`) : undefined;
        const out = method.apply(obj, args);
        if (!sub) return out;
        for (const [k, v] of Object.entries(metadataOf(args))) sub.addMetadata(k, v);
        if (!(out instanceof Promise)) {
          sub.close();
          return out;
        }
        return out.then((result: unknown) => {
          sub.close();
          return result;
        }, (err: unknown) => {
          sub.addError(err instanceof Error ? err : String(err), true);
          sub.close();
          throw err;
        });
      };
    },
  });
}

const keyOf: CallMetadata = (args) => (typeof args[0] === 'string' ? { key: args[0] } : {});
const uploadOf: CallMetadata = (args) => {
  const upload = args[0] as { key?: unknown } | undefined;
  return typeof upload?.key === 'string' ? { key: upload.key } : {};
};
const resourceOf: CallMetadata = (args) => {
  const r = args[0] as { resource?: unknown; group?: unknown } | undefined;
  const options = args[1] as { namespace?: unknown } | undefined;
  return typeof r?.resource === 'string'
    ? { resource: r.group ? `${r.resource}.${String(r.group)}` : r.resource, ...(typeof options?.namespace === 'string' ? { namespace: options.namespace } : {}) }
    : {};
};

/** The object store's calls that are traced (listings are async iterables: not traced). */
export const STORE_CALLS: Record<string, CallMetadata> = {
  put: keyOf, upload: keyOf, get: keyOf, getBytes: keyOf, head: keyOf, delete: keyOf, abortUpload: uploadOf,
};

/** The cluster's calls that are traced: discovery, LIST pages and OpenAPI documents, not per-object reads and writes. */
export const CLUSTER_CALLS: Record<string, CallMetadata> = {
  discover: () => ({}), listPage: resourceOf, listPageBytes: resourceOf, openApiV3: (args) => ({ groupVersion: args[0] }),
};
