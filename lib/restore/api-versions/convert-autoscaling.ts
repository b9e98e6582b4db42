import { asRecord, recordsOf } from '../json-access.js';
import type { Converter } from './conversion-types.js';

// HorizontalPodAutoscaler conversion of Kubernetes 1.25 (autoscaling/v2beta1 to v2beta2 and v2, whose
// metrics share one shape: a metric identifier and a target).

/** autoscaling/v2beta1 HorizontalPodAutoscaler metrics to the v2beta2 / v2 shape. */
export const hpaV2beta1ToV2: Converter = (copy) => {
  const errors: string[] = [];
  const metrics = recordsOf(asRecord(copy.spec)?.metrics);
  metrics.forEach((metric, i) => {
    const at = `spec.metrics[${i}]`;
    switch (metric.type) {
      case 'Resource': metric.resource = resourceMetric(asRecord(metric.resource), `${at}.resource`, errors); break;
      case 'Pods': metric.pods = podsMetric(asRecord(metric.pods)); break;
      case 'Object': metric.object = objectMetric(asRecord(metric.object)); break;
      case 'External': metric.external = externalMetric(asRecord(metric.external)); break;
      default: errors.push(`${at}.type ${JSON.stringify(metric.type)} is not a v2beta1 metric type`);
    }
  });
  return { errors };
};

function resourceMetric(m: Record<string, unknown> | undefined, at: string, errors: string[]): unknown {
  if (!m) return m;
  const { name, targetAverageUtilization, targetAverageValue, ...rest } = m;
  if (targetAverageUtilization !== undefined) return { ...rest, name, target: { type: 'Utilization', averageUtilization: targetAverageUtilization } };
  if (targetAverageValue !== undefined) return { ...rest, name, target: { type: 'AverageValue', averageValue: targetAverageValue } };
  errors.push(`${at} has neither targetAverageUtilization nor targetAverageValue`);
  return m;
}

function podsMetric(m: Record<string, unknown> | undefined): unknown {
  if (!m) return m;
  const { metricName, selector, targetAverageValue, ...rest } = m;
  return { ...rest, metric: metricId(metricName, selector), target: { type: 'AverageValue', averageValue: targetAverageValue } };
}

function objectMetric(m: Record<string, unknown> | undefined): unknown {
  if (!m) return m;
  const { target, metricName, selector, targetValue, averageValue, ...rest } = m;
  return {
    ...rest, describedObject: target, metric: metricId(metricName, selector),
    target: averageValue !== undefined ? { type: 'AverageValue', averageValue } : { type: 'Value', value: targetValue },
  };
}

function externalMetric(m: Record<string, unknown> | undefined): unknown {
  if (!m) return m;
  const { metricName, metricSelector, targetValue, targetAverageValue, ...rest } = m;
  return {
    ...rest, metric: metricId(metricName, metricSelector),
    target: targetAverageValue !== undefined ? { type: 'AverageValue', averageValue: targetAverageValue } : { type: 'Value', value: targetValue },
  };
}

function metricId(name: unknown, selector: unknown): Record<string, unknown> {
  return selector === undefined ? { name } : { name, selector };
}
