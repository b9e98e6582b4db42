import { isRecord } from '../model/object.js';
import { checkGlob } from './glob.js';
import { joinPath, type ProblemCollector } from './problems.js';

// Field readers for the backup and restore specs: each validates one untrusted value, records every problem under its
// path and returns what it could read (undefined when the field is absent or wrong).

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** True for a valid namespace name (a DNS-1123 label of at most 63 characters). */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

/** Why `key` is not a valid annotation or label key (`prefix/name`), or undefined when it is. */
export function checkQualifiedKey(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (!name || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return 'expected a key of at most 63 characters: letters, digits, "-", "_" and ".", starting and ending with a letter or digit, with an optional DNS prefix and "/"';
  }
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(prefix))) {
    return `expected the prefix "${prefix}" to be a DNS subdomain`;
  }
  return undefined;
}

/** Reads a string; an empty string is accepted only when `allowEmpty`. */
export function readString(value: unknown, path: string, problems: ProblemCollector, allowEmpty = false): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    problems.add(path, `expected a string, got ${describeValue(value)}`);
    return undefined;
  }
  if (!allowEmpty && value === '') {
    problems.add(path, 'expected a non-empty string');
    return undefined;
  }
  return value;
}

/** Reads a boolean (YAML `true` / `false`, never the strings). */
export function readBoolean(value: unknown, path: string, problems: ProblemCollector): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') {
    problems.add(path, `expected true or false, got ${describeValue(value)}`);
    return undefined;
  }
  return value;
}

/** Reads a list of non-empty strings; `check` may return a problem for one entry. */
export function readStringList(value: unknown, path: string, problems: ProblemCollector,
  check?: (entry: string) => string | undefined): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    problems.add(path, `expected a list of strings, got ${describeValue(value)}`);
    return undefined;
  }
  const out: string[] = [];
  value.forEach((entry, i) => {
    const at = joinPath(path, i);
    if (typeof entry !== 'string' || entry === '') {
      problems.add(at, `expected a non-empty string, got ${describeValue(entry)}`);
      return;
    }
    const problem = check?.(entry);
    if (problem) problems.add(at, problem);
    else out.push(entry);
  });
  return out;
}

/** Reads a list of namespace globs (`includedNamespaces`, `excludedNamespaces`). */
export function readNamespaceGlobs(value: unknown, path: string, problems: ProblemCollector): string[] | undefined {
  return readStringList(value, path, problems, (entry) => {
    const bad = checkGlob(entry);
    return bad ? `not a valid namespace pattern: ${bad}` : undefined;
  });
}

/** Reads a list of resource names (`deployments`, `deployments.apps`, `*`). */
export function readResourceList(value: unknown, path: string, problems: ProblemCollector): string[] | undefined {
  return readStringList(value, path, problems, (entry) =>
    /^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$/i.test(entry)
      ? undefined
      : `expected a resource such as "deployments", "deployments.apps" or "*", got ${JSON.stringify(entry)}`);
}

/**
 * Reads a map of non-empty strings to non-empty strings. `checkKey` / `checkValue` may return a problem for
 * one key or value.
 */
export function readStringMap(value: unknown, path: string, problems: ProblemCollector,
  checks: { key?: (k: string) => string | undefined; value?: (v: string) => string | undefined; allowEmptyValue?: boolean } = {}):
  Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    problems.add(path, `expected a map of strings to strings, got ${describeValue(value)}`);
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    const at = joinPath(path, k);
    if (k === '') {
      problems.add(path, 'expected non-empty keys');
      continue;
    }
    const keyProblem = checks.key?.(k);
    if (keyProblem) problems.add(at, keyProblem);
    if (typeof v !== 'string' || (v === '' && !checks.allowEmptyValue)) {
      problems.add(at, `expected a non-empty string, got ${describeValue(v)}`);
      continue;
    }
    const valueProblem = checks.value?.(v);
    if (valueProblem) problems.add(at, valueProblem);
    if (!keyProblem && !valueProblem) out[k] = v;
  }
  return out;
}

/** Records an "unknown field" problem for every key of `value` not in `known`. */
export function rejectUnknownFields(value: Record<string, unknown>, known: readonly string[], path: string,
  problems: ProblemCollector): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) problems.add(joinPath(path, key), `unknown field (expected one of: ${known.join(', ')})`);
  }
}

/** A short description of a value for messages: its JSON, cut at 60 characters, or its type. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  if (json === undefined) return typeof value;
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The metadata fields a spec document may carry (the server-set ones included, as kubectl get -o yaml writes them). */
export const OBJECT_METADATA_FIELDS = ['name', 'namespace', 'labels', 'annotations', 'generateName', 'uid', 'resourceVersion',
  'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'finalizers', 'ownerReferences',
  'managedFields', 'selfLink'];

/** A problem message for a string that is not an object name (a DNS subdomain of at most 253), or undefined. */
export function checkObjectName(v: string): string | undefined {
  return v.length <= 253 && DNS1123_SUBDOMAIN.test(v) ? undefined
    : `expected an object name (lowercase letters, digits, "-" and ".", at most 253), got ${JSON.stringify(v)}`;
}

/** A problem message for a string that is not a namespace name (a DNS label), or undefined. */
export function checkNamespaceName(v: string): string | undefined {
  return isDns1123Label(v) ? undefined : `expected a namespace name (lowercase letters, digits and "-", at most 63), got ${JSON.stringify(v)}`;
}

/**
 * Reads a spec document's metadata: a required name, an optional namespace, string labels and annotations.
 * `whyNameRequired` ends the message for a missing name ("the backup needs a name (it names its folder)").
 */
export function readObjectMetadata(value: unknown, problems: ProblemCollector, whyNameRequired: string): { name?: string; namespace?: string } {
  if (!isRecord(value)) {
    problems.add('metadata', `expected an object with at least a name, got ${describeValue(value)}`);
    return {};
  }
  rejectUnknownFields(value, OBJECT_METADATA_FIELDS, 'metadata', problems);
  const name = readString(value.name, 'metadata.name', problems);
  const nameProblem = name === undefined ? undefined : checkObjectName(name);
  if (value.name === undefined) problems.add('metadata.name', `required: ${whyNameRequired}`);
  else if (nameProblem) problems.add('metadata.name', nameProblem);
  const namespace = readString(value.namespace, 'metadata.namespace', problems);
  const namespaceProblem = namespace === undefined ? undefined : checkNamespaceName(namespace);
  if (namespaceProblem) problems.add('metadata.namespace', namespaceProblem);
  readStringMap(value.labels, 'metadata.labels', problems, { allowEmptyValue: true });
  readStringMap(value.annotations, 'metadata.annotations', problems, { allowEmptyValue: true });
  return { name, namespace };
}
