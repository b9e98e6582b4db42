/**
 * Metrics the Lambda way: CloudWatch embedded metric format (EMF) lines written by Powertools' Metrics, one set per
 * invocation, in the `Ferry` namespace with the dimensions service=ferry and function=<name>. CloudWatch turns the
 * lines into metrics; nothing is sent anywhere else. Each function says what it measures from its answer (or its
 * error); the names are listed in the README's Operations section and the alarm in serverless.yml uses BackupFailed.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { ExpireResponse } from './expire.js';
import type { IndexResponse } from './index.js';
import type { BackupResponse } from './backup.js';
import type { RestoreResult } from '../lib/restore/result.js';

/** The metrics namespace in CloudWatch. */
export const METRICS_NAMESPACE = 'Ferry';

/** The part of Powertools' Metrics a measure uses. */
export type MetricsSink = Pick<Metrics, 'addMetric' | 'singleMetric'>;

/** What a function measures: from its answer, and from the error it fails with. */
export interface FunctionMeasure<R> {
  result(response: R, metrics: MetricsSink): void;
  error(err: unknown, metrics: MetricsSink): void;
}

/** The Metrics of one function. */
export function createMetrics(functionName: string): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'ferry', defaultDimensions: { function: functionName } });
}

/** Adds the function's metrics from its answer or error; the logMetrics middleware around it writes them out. */
export function measureInvocation<R>(options: { metrics: MetricsSink; measure: FunctionMeasure<R> }): MiddlewareObj<unknown, unknown> {
  const measureAfter = (request: { response: unknown }): void => options.measure.result(request.response as R, options.metrics);
  const measureOnError = (request: { error: unknown }): void => options.measure.error(request.error, options.metrics);
  return { name: 'measureInvocation', after: measureAfter, onError: measureOnError };
}

const millisBetween = (from: string, to: string | undefined) => (to ? Math.max(0, Date.parse(to) - Date.parse(from)) : undefined);

/** A count under one more dimension (`phase`, `action`), as its own EMF line. */
function countBy(metrics: MetricsSink, name: string, dimension: string, value: string): void {
  const one = metrics.singleMetric();
  one.addDimension(dimension, value);
  one.addMetric(name, MetricUnit.Count, 1);
}

/** backup: BackupFailed (0 or 1: the alarm's metric), and for a backup taken its duration, items, bytes and item errors. */
export const backupMeasure: FunctionMeasure<BackupResponse> = {
  result(response, metrics) {
    metrics.addMetric('BackupFailed', MetricUnit.Count, 0);
    if ('skipped' in response) return;
    const ms = millisBetween(response.startedAt, response.completedAt);
    if (ms !== undefined) metrics.addMetric('BackupDuration', MetricUnit.Milliseconds, ms);
    metrics.addMetric('BackupItems', MetricUnit.Count, response.itemsBackedUp);
    metrics.addMetric('BackupBytes', MetricUnit.Bytes, response.bytes);
    metrics.addMetric('BackupItemErrors', MetricUnit.Count, response.errors);
    metrics.addMetric('BackupWarnings', MetricUnit.Count, response.warnings);
  },
  error(_err, metrics) {
    // Any failed invocation is a backup not taken: a Failed run, a taken name, a broken schedule, a bug.
    metrics.addMetric('BackupFailed', MetricUnit.Count, 1);
  },
};

/** restore: RestoreFailed (0 or 1), its duration, and its objects by outcome. */
export const restoreMeasure: FunctionMeasure<RestoreResult> = {
  result(result, metrics) {
    metrics.addMetric('RestoreFailed', MetricUnit.Count, result.phase === 'Failed' ? 1 : 0);
    const ms = millisBetween(result.startedAt, result.completedAt);
    if (ms !== undefined) metrics.addMetric('RestoreDuration', MetricUnit.Milliseconds, ms);
    for (const status of ['created', 'updated', 'unchanged', 'skipped', 'failed'] as const) {
      metrics.addMetric(`RestoreObjects${status[0]!.toUpperCase()}${status.slice(1)}`, MetricUnit.Count, result.counts[status]);
    }
  },
  error(_err, metrics) {
    metrics.addMetric('RestoreFailed', MetricUnit.Count, 1);
  },
};

/** index: one IndexVerdict per backup judged, by phase; IndexFailures for messages or events that failed. */
export const indexMeasure: FunctionMeasure<IndexResponse> = {
  result(response, metrics) {
    for (const o of response.outcomes) if (o.action === 'written' && o.phase) countBy(metrics, 'IndexVerdict', 'phase', o.phase);
    metrics.addMetric('IndexFailures', MetricUnit.Count, response.batchItemFailures?.length ?? 0);
  },
  error(_err, metrics) {
    metrics.addMetric('IndexFailures', MetricUnit.Count, 1);
  },
};

/** expire: one ExpireAction per backup acted on, by action (deleted, protected, failed, ...); ExpireFailed (0 or 1). */
export const expireMeasure: FunctionMeasure<ExpireResponse> = {
  result(response, metrics) {
    for (const l of response.locations) for (const a of l.report.actions) countBy(metrics, 'ExpireAction', 'action', a.action);
    metrics.addMetric('ExpireFailed', MetricUnit.Count, 0);
  },
  error(err, metrics) {
    // A run with some failed backups throws ExpireRunError carrying its report: its actions are counted too.
    const response = (err as { response?: ExpireResponse }).response;
    if (response?.locations) for (const l of response.locations) for (const a of l.report.actions) countBy(metrics, 'ExpireAction', 'action', a.action);
    metrics.addMetric('ExpireFailed', MetricUnit.Count, 1);
  },
};
