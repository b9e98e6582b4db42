import type { MiddlewareObj } from '@middy/core';
import { isRecord } from '../../lib/model/object.js';
import type { Redactor } from '../../lib/kube/credentials/redact.js';
import type { Logger } from '../log.js';

/** Options of logInvocation. */
export interface LogInvocationOptions {
  /** The function's name, on every line. */
  name: string;
  log: Logger;
  redactor: Redactor;
  clock: () => Date;
  /** Where the X-Ray trace id is read (`_X_AMZN_TRACE_ID`); the process's environment by default. */
  env?: Record<string, string | undefined>;
}

/** False until the first invocation of this process (a cold start) has begun. */
let warm = false;

/**
 * The fields Powertools' Logger puts on every line of an invocation, under its names: whether the invocation
 * started the process, the function and its request, and the X-Ray trace's root id (from `_X_AMZN_TRACE_ID`).
 */
export function invocationFields(context: unknown, coldStart: boolean, traceHeader?: string): Record<string, unknown> {
  const c = isRecord(context) ? context : {};
  const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const memory = Number(c.memoryLimitInMB);
  const root = traceHeader?.split(';').find((p) => p.startsWith('Root='))?.slice('Root='.length);
  const fields: Record<string, unknown> = {
    cold_start: coldStart, function_name: text(c.functionName), function_memory_size: Number.isFinite(memory) && memory > 0 ? memory : undefined,
    function_arn: text(c.invokedFunctionArn), function_request_id: text(c.awsRequestId), xray_trace_id: root || undefined,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/** What is logged of an event: its shape, never its whole body (payloads may be large or hold names users care about). */
export function summarizeEvent(event: unknown): Record<string, unknown> {
  if (!isRecord(event)) return { type: event === null ? 'null' : typeof event };
  if (Array.isArray(event.Records)) {
    const records = event.Records as unknown[];
    const keys = records.map((r) => (isRecord(r) && isRecord(r.s3) && isRecord(r.s3.object) ? r.s3.object.key : undefined)).filter((k) => typeof k === 'string');
    return { type: 'records', records: records.length, keys: keys.slice(0, 10) };
  }
  if (event.source === 'aws.events' || typeof event['detail-type'] === 'string') {
    return { type: 'schedule', detailType: event['detail-type'], resources: event.resources };
  }
  return { type: 'payload', fields: Object.keys(event).sort() };
}

/**
 * Logs each invocation (event summary, duration, outcome) and every error with its cause chain, credentials masked.
 * The error itself is rethrown with a masked message, so Lambda's error answer carries no credential either.
 */
export function logInvocation(options: LogInvocationOptions): MiddlewareObj<unknown, unknown> {
  const started = new WeakMap<object, number>();
  const lineLog = (context: unknown) => options.log.child({
    function: options.name,
    ...(isRecord(context) && typeof context.awsRequestId === 'string' ? { requestId: context.awsRequestId } : {}),
  });
  const logInvocationBefore = (request: { event: unknown; context: unknown }): void => {
    started.set(request as object, options.clock().getTime());
    const coldStart = !warm;
    warm = true;
    options.log.setInvocationFields(invocationFields(request.context, coldStart, (options.env ?? process.env)._X_AMZN_TRACE_ID));
    lineLog(request.context).info('invoked', { event: summarizeEvent(request.event) });
  };
  const durationOf = (request: object) => options.clock().getTime() - (started.get(request) ?? options.clock().getTime());
  const logInvocationAfter = (request: { context: unknown }): void => {
    lineLog(request.context).info('done', { durationMs: durationOf(request) });
    options.log.setInvocationFields(undefined);
  };
  const logInvocationOnError = (request: { context: unknown; error: unknown }): void => {
    const err = request.error;
    lineLog(request.context).error(`failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, {
      durationMs: durationOf(request), error: options.redactor.error(err),
    });
    options.log.setInvocationFields(undefined);
    if (err instanceof Error) {
      err.message = options.redactor.text(err.message);
      if (err.stack) err.stack = options.redactor.text(err.stack);
    }
  };
  return { name: 'logInvocation', before: logInvocationBefore, after: logInvocationAfter, onError: logInvocationOnError };
}
