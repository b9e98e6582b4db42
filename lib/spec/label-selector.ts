import { joinPath, type ProblemCollector } from './problems.js';
import { checkQualifiedKey } from './restore-fields.js';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A problem message for a string the API server would refuse as a label value, or undefined. */
export function checkLabelValue(value: string): string | undefined {
  return value.length <= 63 && LABEL_VALUE.test(value) ? undefined
    : `expected a label value (at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit, or empty), got ${JSON.stringify(value)}`;
}

/** A problem message for a string the API server would refuse as a label key, or undefined. */
export function checkLabelKey(key: string): string | undefined {
  const problem = checkQualifiedKey(key);
  return problem ? `${problem}, got ${JSON.stringify(key)}` : undefined;
}

/** A Kubernetes label selector: matchLabels AND every matchExpressions requirement. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** One matchExpressions entry. */
export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates an untrusted value as a label selector, recording every problem under `path`. */
export function parseLabelSelector(value: unknown, path: string, problems: ProblemCollector): LabelSelector | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    problems.add(path, `expected an object with matchLabels and/or matchExpressions, got ${JSON.stringify(value)}`);
    return undefined;
  }
  const selector: LabelSelector = {};
  for (const key of Object.keys(value)) {
    if (key !== 'matchLabels' && key !== 'matchExpressions') problems.add(joinPath(path, key), 'unknown field (expected matchLabels or matchExpressions)');
  }
  if (value.matchLabels !== undefined) {
    if (!isRecord(value.matchLabels)) {
      problems.add(joinPath(path, 'matchLabels'), 'expected a map of label keys to string values');
    } else {
      selector.matchLabels = {};
      for (const [k, v] of Object.entries(value.matchLabels)) {
        const at = joinPath(path, 'matchLabels', k);
        const problem = checkLabelKey(k) ?? (typeof v !== 'string' ? `expected a string value, got ${JSON.stringify(v)}` : checkLabelValue(v));
        if (problem) problems.add(at, problem);
        else selector.matchLabels[k] = v as string;
      }
    }
  }
  if (value.matchExpressions !== undefined) {
    if (!Array.isArray(value.matchExpressions)) {
      problems.add(joinPath(path, 'matchExpressions'), 'expected a list of {key, operator, values}');
    } else {
      selector.matchExpressions = [];
      value.matchExpressions.forEach((raw, i) => {
        const req = parseRequirement(raw, joinPath(path, 'matchExpressions', i), problems);
        if (req) selector.matchExpressions!.push(req);
      });
    }
  }
  return selector;
}

function parseRequirement(raw: unknown, path: string, problems: ProblemCollector): LabelSelectorRequirement | undefined {
  if (!isRecord(raw)) {
    problems.add(path, 'expected an object with key, operator and values');
    return undefined;
  }
  const { key, operator, values } = raw;
  let ok = true;
  if (typeof key !== 'string' || key === '') {
    problems.add(joinPath(path, 'key'), 'expected a non-empty label key');
    ok = false;
  } else if (checkLabelKey(key)) {
    problems.add(joinPath(path, 'key'), checkLabelKey(key)!);
    ok = false;
  }
  if (!OPERATORS.includes(operator as never)) {
    problems.add(joinPath(path, 'operator'), `expected one of ${OPERATORS.join(', ')}, got ${JSON.stringify(operator)}`);
    ok = false;
  }
  const needsValues = operator === 'In' || operator === 'NotIn';
  if (values !== undefined && (!Array.isArray(values) || values.some((v) => typeof v !== 'string'))) {
    problems.add(joinPath(path, 'values'), 'expected a list of strings');
    ok = false;
  } else if (needsValues && (!Array.isArray(values) || values.length === 0)) {
    problems.add(joinPath(path, 'values'), `operator ${String(operator)} needs at least one value`);
    ok = false;
  } else if (!needsValues && Array.isArray(values) && values.length > 0) {
    problems.add(joinPath(path, 'values'), `operator ${String(operator)} takes no values`);
    ok = false;
  } else if (Array.isArray(values)) {
    (values as string[]).forEach((v, i) => {
      const problem = checkLabelValue(v);
      if (problem) {
        problems.add(joinPath(path, 'values', i), problem);
        ok = false;
      }
    });
  }
  return ok ? { key: key as string, operator: operator as LabelSelectorRequirement['operator'], values: values as string[] | undefined } : undefined;
}

/** True when `labels` satisfy the selector; an empty selector matches everything. */
export function matchesLabelSelector(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, req.key);
    switch (req.operator) {
      case 'In': if (!has || !req.values!.includes(l[req.key]!)) return false; break;
      case 'NotIn': if (has && req.values!.includes(l[req.key]!)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
    }
  }
  return true;
}

/** Renders a selector in the API server's `labelSelector` query syntax. */
export function formatLabelSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const req of selector.matchExpressions ?? []) {
    if (req.operator === 'Exists') parts.push(req.key);
    else if (req.operator === 'DoesNotExist') parts.push(`!${req.key}`);
    else parts.push(`${req.key} ${req.operator === 'In' ? 'in' : 'notin'} (${[...req.values!].sort().join(',')})`);
  }
  return parts.join(',');
}
