import type { MiddlewareObj } from '@middy/core';
import type { Tracing } from '../tracing.js';

/** Options of traceInvocation. */
export interface TraceInvocationOptions {
  tracing: Tracing;
}

/**
 * Powertools' captureLambdaHandler (the handler's subsegment, ColdStart and Service annotations, the error as
 * metadata), loaded with the Tracer on the first invocation when tracing is on; nothing at all when it is off.
 * Responses are not recorded: they name backups and namespaces, and a restore's can be large.
 */
export function traceInvocation(options: TraceInvocationOptions): MiddlewareObj<unknown, unknown> {
  let inner: MiddlewareObj<unknown, unknown> | undefined;
  const traceInvocationBefore = async (request: Parameters<NonNullable<MiddlewareObj['before']>>[0]): Promise<void> => {
    if (!options.tracing.enabled) return;
    if (!inner) {
      const [tracer, { captureLambdaHandler }] = await Promise.all([options.tracing.load(), import('@aws-lambda-powertools/tracer/middleware')]);
      inner = captureLambdaHandler(tracer, { captureResponse: false }) as MiddlewareObj<unknown, unknown>;
    }
    await inner.before?.(request);
  };
  return {
    name: 'traceInvocation',
    before: traceInvocationBefore,
    after: async (request) => { await inner?.after?.(request); },
    onError: async (request) => { await inner?.onError?.(request); },
  };
}
