import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, limitsWithRates } from '../../../lib/kube/http.js';
import { parseConfigText } from '../../../lib/spec/config.js';
import type { SpecError } from '../../../lib/spec/problems.js';

const withRates = (rates: string) => `clusters:\n  idc: {kubeconfig: ./k${rates}}\nstorageLocations:\n  v: {bucket: b}\n`;

function problemsOf(text: string): string[] {
  try {
    parseConfigText(text, 'ferry.yaml');
    return [];
  } catch (err) {
    return (err as SpecError).problems.map((p) => `${p.path}: ${p.message}`);
  }
}

describe('a cluster\'s qps and burst in ferry.yaml', () => {
  it.each([
    ['neither, so the defaults apply', '', {}],
    ['qps alone', ', qps: 200', { qps: 200 }],
    ['a fractional qps', ', qps: 2.5', { qps: 2.5 }],
    ['both', ', qps: 100, burst: 150', { qps: 100, burst: 150 }],
  ])('reads %s', (_case, text, rates) => {
    expect(parseConfigText(withRates(text), 'ferry.yaml').clusters.idc).toEqual({ type: 'kubeconfig', file: './k', ...rates });
  });

  it.each([
    ['a zero qps', ', qps: 0', 'clusters.idc.qps: expected requests a second above 0 and at most 100000, got 0'],
    ['a qps given as a string', ', qps: "fast"', 'clusters.idc.qps: expected requests a second above 0 and at most 100000, got "fast"'],
    ['a qps no API server serves', ', qps: 1000000', 'clusters.idc.qps: expected requests a second above 0 and at most 100000, got 1000000'],
    ['a fractional burst', ', burst: 1.5', 'clusters.idc.burst: expected a whole number of requests from 1 to 100000, got 1.5'],
    ['a burst of zero', ', burst: 0', 'clusters.idc.burst: expected a whole number of requests from 1 to 100000, got 0'],
  ])('refuses %s, naming the field and the value', (_case, text, problem) => {
    expect(problemsOf(withRates(text))).toEqual([problem]);
  });
});

describe('limitsWithRates', () => {
  it.each([
    ['neither set: the defaults', {}, { qps: DEFAULT_LIMITS.qps, burst: DEFAULT_LIMITS.burst }],
    ['qps alone: burst at the defaults\' ratio', { qps: 300 }, { qps: 300, burst: 300 * (DEFAULT_LIMITS.burst / DEFAULT_LIMITS.qps) }],
    ['a small qps alone: a burst of at least one', { qps: 0.2 }, { qps: 0.2, burst: 1 }],
    ['burst alone, above the default qps: the default qps', { burst: 5000 }, { qps: DEFAULT_LIMITS.qps, burst: 5000 }],
    ['burst alone, below the default qps: qps no higher than the burst', { burst: 3 }, { qps: 3, burst: 3 }],
    ['both: as set', { qps: 10, burst: 15 }, { qps: 10, burst: 15 }],
  ])('gives %s', (_case, rates, expected) => {
    expect(limitsWithRates(rates)).toEqual({ ...DEFAULT_LIMITS, ...expected });
  });
});
