/**
 * The middleware stack every Ferry function uses, outermost first: X-Ray tracing (when on), invocation and error logging, metrics (EMF,
 * written after the invocation, on error too), the function's measures, result redaction, event validation,
 * cluster credentials. A handler module writes:
 *
 *   export const handler = ferryHandler({ name: 'restore', what: 'restore request', parse: parseRestoreEvent,
 *     clusters: (req) => [req.targetCluster] }, (req, runtime) => runRestore(req, depsOf(runtime)));
 */
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { loadRuntime, type Runtime } from '../compose.js';
import { createMetrics, measureInvocation, type FunctionMeasure } from '../metrics.js';
import { loadSecrets } from './load-secrets.js';
import { logInvocation } from './log-invocation.js';
import { redactResult } from './redact-result.js';
import { traceInvocation } from './trace-invocation.js';
import { validateEvent } from './validate-event.js';

export { EventValidationError } from './errors.js';
export { loadSecrets } from './load-secrets.js';
export { logInvocation, summarizeEvent } from './log-invocation.js';
export { redactResult } from './redact-result.js';
export { traceInvocation } from './trace-invocation.js';
export { validateEvent } from './validate-event.js';

/** The Lambda context fields Ferry reads. */
export interface InvocationContext {
  awsRequestId?: string;
  functionName?: string;
  invokedFunctionArn?: string;
  memoryLimitInMB?: string;
  getRemainingTimeInMillis?: () => number;
}

/** How a function is wired. */
export interface FerryHandlerOptions<T> {
  /** The function's name in logs: backup, index, restore, expire. */
  name: string;
  /** Names the event in error messages. */
  what: string;
  /** Parses the raw event; throw SpecError (or any error) for a bad one. */
  parse: (event: Record<string, unknown>) => T;
  /** The clusters whose credentials the event needs, loaded before the handler runs. */
  clusters?: (event: T, runtime: Runtime) => string[];
  /** The runtime; defaults to the process's (loadRuntime()). Tests pass one built with createRuntime. */
  runtime?: Runtime;
  /** What the function measures from its answer or error (see functions/metrics.ts). */
  measure?: FunctionMeasure<unknown>;
  /** The Metrics the measures go to; one per function (createMetrics) by default. */
  metrics?: Metrics;
}

/** Wraps a handler core in Ferry's middleware stack. */
export function ferryHandler<T, R>(options: FerryHandlerOptions<T>, core: (event: T, runtime: Runtime, context: InvocationContext) => Promise<R>) {
  const runtime = options.runtime ?? loadRuntime();
  const metrics = options.metrics ?? createMetrics(options.name);
  const handler = middy((event: unknown, context: InvocationContext) => core(event as T, runtime, context))
    .use(traceInvocation({ tracing: runtime.tracing }))
    .use(logInvocation({ name: options.name, log: runtime.log, redactor: runtime.redactor, clock: runtime.clock }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
  if (options.measure) handler.use(measureInvocation({ metrics, measure: options.measure }));
  handler
    .use(redactResult({ redactor: runtime.redactor }))
    .use(validateEvent({ parse: options.parse, what: options.what }));
  if (options.clusters) handler.use(loadSecrets({ runtime, clusters: options.clusters, fn: options.name }));
  return handler;
}
