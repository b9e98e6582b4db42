/**
 * `volumeData.moverResources`: the CPU and memory mover pods request (and, if set, are limited to), named as Velero's
 * node-agent `podResources` names them. Without requests a pod is BestEffort: on cgroup v1 nodes its container gets
 * cpu.shares 2 against 1,024 for any process outside pods, a sliver of a core on a busy node; so Ferry requests some
 * by default. No limits by default: kopia's memory grows with the repository's index, and a memory limit that is too
 * low kills the move.
 *
 * ```yaml
 * moverResources: {cpuRequest: 500m, memoryRequest: 512Mi, cpuLimit: "2", memoryLimit: 2Gi}
 * ```
 */
import { isRecord } from '../model/object.js';
import { joinPath, type ProblemCollector } from './problems.js';

/** A container's requests and limits, as Kubernetes quantities. */
export interface MoverResources {
  requests: { cpu?: string; memory?: string };
  limits: { cpu?: string; memory?: string };
}

/** What movers request when the settings say nothing: half a core and 512 MiB; no limits. */
export const DEFAULT_MOVER_RESOURCES: MoverResources = { requests: { cpu: '500m', memory: '512Mi' }, limits: {} };

const FIELDS = { cpuRequest: ['requests', 'cpu'], memoryRequest: ['requests', 'memory'], cpuLimit: ['limits', 'cpu'], memoryLimit: ['limits', 'memory'] } as const;

/** A Kubernetes quantity (decimal or binary suffix, or an exponent), as the API server accepts it. */
const QUANTITY = /^(\d+(\.\d*)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+)?$/;

const SUFFIX: Record<string, number> = {
  m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A quantity's value as a number (cores or bytes). */
export function quantityValue(quantity: string): number {
  const match = QUANTITY.exec(quantity);
  if (!match) return Number.NaN;
  const suffix = match[3] ?? '';
  const exponent = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX[suffix] ?? 1;
  return Number(match[1]) * exponent;
}

/** Reads `moverResources` at `path` over the defaults; problems name the field and the value. */
export function parseMoverResources(raw: unknown, path: string, p: ProblemCollector): MoverResources {
  const out: MoverResources = { requests: { ...DEFAULT_MOVER_RESOURCES.requests }, limits: { ...DEFAULT_MOVER_RESOURCES.limits } };
  if (raw === undefined || raw === null) return out;
  if (!isRecord(raw)) {
    p.add(path, 'expected {cpuRequest, memoryRequest, cpuLimit, memoryLimit}');
    return out;
  }
  for (const [key, value] of Object.entries(raw)) {
    const at = joinPath(path, key);
    const target = FIELDS[key as keyof typeof FIELDS];
    if (!target) {
      p.add(at, `unknown field (expected one of ${Object.keys(FIELDS).join(', ')})`);
      continue;
    }
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string' || !QUANTITY.test(text)) {
      p.add(at, `expected a Kubernetes quantity such as ${target[1] === 'cpu' ? '"500m" or "2"' : '"512Mi" or "2Gi"'}, got ${JSON.stringify(value)}`);
      continue;
    }
    out[target[0]][target[1]] = text;
  }
  for (const kind of ['cpu', 'memory'] as const) {
    const request = out.requests[kind];
    const limit = out.limits[kind];
    if (request !== undefined && limit !== undefined && quantityValue(limit) < quantityValue(request)) {
      p.add(joinPath(path, `${kind}Limit`), `${limit} is less than the ${kind} request ${request}${raw[`${kind}Request`] === undefined ? ' (the default)' : ''}`);
    }
  }
  return out;
}
