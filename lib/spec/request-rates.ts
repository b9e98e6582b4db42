/**
 * A cluster's request rates in ferry.yaml: `qps` (requests a second, a token bucket) and `burst` (requests sent at
 * once above it), as client-go's settings of the same names. Absent: the defaults of lib/kube/http.ts.
 */
import { joinPath, type ProblemCollector } from './problems.js';

/** Request rates a user sets for one cluster. */
export interface RequestRates {
  qps?: number;
  burst?: number;
}

/** Highest qps and burst accepted: above it a typo, not a rate any API server serves. */
export const MAX_RATE = 100_000;

/** Reads `qps` and `burst` of one cluster's settings; problems name the field and the value. */
export function parseRequestRates(raw: Record<string, unknown>, path: string, p: ProblemCollector): RequestRates {
  const rates: RequestRates = {};
  const { qps, burst } = raw;
  if (qps !== undefined) {
    if (typeof qps !== 'number' || !(qps > 0) || qps > MAX_RATE) p.add(joinPath(path, 'qps'), `expected requests a second above 0 and at most ${MAX_RATE}, got ${JSON.stringify(qps)}`);
    else rates.qps = qps;
  }
  if (burst !== undefined) {
    if (typeof burst !== 'number' || !Number.isInteger(burst) || burst < 1 || burst > MAX_RATE) p.add(joinPath(path, 'burst'), `expected a whole number of requests from 1 to ${MAX_RATE}, got ${JSON.stringify(burst)}`);
    else rates.burst = burst;
  }
  return rates;
}
