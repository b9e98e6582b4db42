// The client's request limits as plain data, apart from the HTTP client, so that code which only reads them (the
// config's composition) does not load the proxy agents.
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';

/** Client-side limits, set deliberately rather than left to client defaults. */
export interface HttpLimits {
  /** Requests a second (token bucket) and the burst above it. */
  qps: number;
  burst: number;
  /** Open connections to the API server at most. */
  maxSockets: number;
  timeoutMs: number;
  retry: RetryPolicy;
}

/**
 * Defaults: 1000 QPS, burst 2000, 16 connections, 60 s per request. The API server's own flow control (priority and
 * fairness) is what protects a shared server: measured on the local stack as a non-exempt identity, 16 connections
 * of creates drew no 429 at any client rate, while 50 QPS held a create loop to 37-48 objects/s against 52-302
 * without it, the spread being the machine load (README "Request rates"). The client limit is a ceiling; the 16 connections and the server's 429s with
 * Retry-After (honoured by withRetry) set the pace. A cluster's `qps` and `burst` in ferry.yaml lower it.
 */
export const DEFAULT_LIMITS: HttpLimits = { qps: 1000, burst: 2000, maxSockets: 16, timeoutMs: 60_000, retry: DEFAULT_RETRY };

/**
 * The limits for a cluster whose ferry.yaml entry sets `qps` and/or `burst`: the one set alone takes the other at
 * the defaults' ratio (burst twice qps), and neither set is DEFAULT_LIMITS.
 */
export function limitsWithRates(rates: { qps?: number; burst?: number }, base: HttpLimits = DEFAULT_LIMITS): HttpLimits {
  const ratio = base.burst / base.qps;
  const qps = rates.qps ?? (rates.burst !== undefined ? Math.min(base.qps, rates.burst) : base.qps);
  const burst = rates.burst ?? (rates.qps !== undefined ? Math.max(1, Math.ceil(rates.qps * ratio)) : base.burst);
  return { ...base, qps, burst };
}
