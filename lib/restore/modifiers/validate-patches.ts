import { parseDocument } from 'yaml';
import { isRecord } from '../../model/object.js';
import { typeVeleroValue } from './patch-value.js';
import { checkKeys, describe, type FieldPath, type Reporter } from './report.js';
import { JSON_PATCH_OPERATIONS, type JsonPatchOperation } from './types.js';

type OperationName = (typeof JSON_PATCH_OPERATIONS)[number];

/** Validates a rule's `patches` (RFC 6902 operations in Velero's spelling); undefined when any is wrong. */
export function validateJsonPatches(raw: unknown, at: FieldPath, report: Reporter): JsonPatchOperation[] | undefined {
  if (!Array.isArray(raw)) {
    report.add(at, `expected a list of operations, got ${describe(raw)}`);
    return undefined;
  }
  const before = report.problems.length;
  const out: JsonPatchOperation[] = [];
  raw.forEach((entry, i) => {
    const operation = validateOperation(entry, [...at, i], report);
    if (operation) out.push(operation);
  });
  return report.problems.length === before ? out : undefined;
}

function validateOperation(raw: unknown, at: FieldPath, report: Reporter): JsonPatchOperation | undefined {
  if (!isRecord(raw)) {
    report.add(at, `expected a mapping with operation, path and (for some operations) value or from, got ${describe(raw)}`);
    return undefined;
  }
  const before = report.problems.length;
  checkKeys(raw, at, ['operation', 'path', 'value', 'from'], report);
  const { operation, path, from } = raw;
  let op: OperationName | undefined;
  if (operation === undefined || operation === '') report.add(at, `operation is required: one of ${JSON_PATCH_OPERATIONS.join(', ')}`);
  else if (JSON_PATCH_OPERATIONS.includes(operation as OperationName)) op = operation as OperationName;
  else {
    const lower = typeof operation === 'string' ? operation.toLowerCase() : '';
    report.add([...at, 'operation'], JSON_PATCH_OPERATIONS.includes(lower as OperationName)
      ? `operation names are lower-case: write "${lower}" (Velero accepts "${String(operation)}" but the patch then fails)`
      : `unsupported operation ${describe(operation)}: expected one of ${JSON_PATCH_OPERATIONS.join(', ')}`);
  }
  checkPointer(path, 'path', at, report, op && `${op} needs "path": the JSON pointer of the field to ${op === 'test' ? 'check' : 'change'}, such as /spec/replicas`);
  if (op === 'move' || op === 'copy') {
    checkPointer(from, 'from', at, report, `${op} needs "from": the JSON pointer of the value to ${op}`);
    if (op === 'move' && typeof from === 'string' && typeof path === 'string' && path.startsWith(`${from}/`)) {
      report.add([...at, 'path'], `cannot move ${from} into one of its own children (${path})`);
    }
  }
  let value: unknown;
  if (op === 'add' || op === 'replace' || op === 'test') {
    const typed = typeVeleroValue(raw.value);
    if (typed.ok) value = typed.value;
    else report.add([...at, 'value'], typed.message);
  }
  if (report.problems.length !== before || !op) return undefined;
  const p = path as string;
  if (op === 'move' || op === 'copy') return { op, from: from as string, path: p };
  if (op === 'remove') return { op, path: p };
  return { op, path: p, value };
}

function checkPointer(value: unknown, key: 'path' | 'from', at: FieldPath, report: Reporter, missing?: string): void {
  if (value === undefined || value === null || value === '') {
    report.add(value === undefined ? at : [...at, key], missing ?? `${key} is required and cannot be empty: a JSON pointer such as /spec/replicas`);
  } else if (typeof value !== 'string') {
    report.add([...at, key], `expected a JSON pointer string, got ${describe(value)}`);
  } else if (!value.startsWith('/')) {
    report.add([...at, key], `"${value}" is not a JSON pointer: it must start with "/" (such as /${value})`);
  }
}

/** Validates `mergePatches` or `strategicPatches`: a list of `{patchData}` whose data is a YAML or JSON mapping. */
export function validatePatchDataList(raw: unknown, at: FieldPath, strategic: boolean, report: Reporter): Record<string, unknown>[] | undefined {
  if (!Array.isArray(raw)) {
    report.add(at, `expected a list of {patchData}, got ${describe(raw)}`);
    return undefined;
  }
  const before = report.problems.length;
  const out: Record<string, unknown>[] = [];
  raw.forEach((entry, i) => {
    const here = [...at, i];
    if (!isRecord(entry)) {
      report.add(here, `expected a mapping with patchData, got ${describe(entry)}`);
      return;
    }
    checkKeys(entry, here, ['patchData'], report);
    const data = readPatchData(entry.patchData, [...here, 'patchData'], report);
    if (data && strategic) checkDirectives(data, '', [...here, 'patchData'], report);
    if (data) out.push(data);
  });
  return report.problems.length === before ? out : undefined;
}

function readPatchData(raw: unknown, at: FieldPath, report: Reporter): Record<string, unknown> | undefined {
  if (raw === undefined || raw === null || raw === '') {
    report.add(at.slice(0, -1), 'patchData is required: the patch, as YAML or JSON');
    return undefined;
  }
  let value: unknown = raw;
  if (typeof raw === 'string') {
    const doc = parseDocument(raw, { uniqueKeys: true, prettyErrors: false });
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      report.add(at, `patchData is not valid YAML or JSON${pos ? ` (line ${pos.line}, column ${pos.col} of the patch)` : ''}: ${err.message.split('\n')[0]}`);
      return undefined;
    }
    value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  }
  if (!isRecord(value)) {
    report.add(at, `patchData must be a mapping (an object) to merge into the resource, got ${describe(value)}`);
    return undefined;
  }
  return value;
}

// Strategic merge directives can be checked before any object is seen; an unknown one is almost always a typo.
function checkDirectives(value: unknown, inside: string, at: FieldPath, report: Reporter): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkDirectives(item, `${inside}[${i}]`, at, report));
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, v] of Object.entries(value)) {
    const where = `${inside ? `${inside}.` : ''}${key}`;
    const bad = (message: string): void => report.add(at, `${where}: ${message}`);
    if (key === '$patch') {
      if (v !== 'replace' && v !== 'delete' && v !== 'merge') bad(`expected replace, delete or merge, got ${describe(v)}`);
    } else if (key === '$retainKeys') {
      if (!Array.isArray(v) || v.some((k) => typeof k !== 'string')) bad('expected a list of field names');
    } else if (key.startsWith('$setElementOrder/') || key.startsWith('$deleteFromPrimitiveList/')) {
      if (key.endsWith('/')) bad('the directive must name a list field after the "/"');
      else if (!Array.isArray(v)) bad('expected a list');
    } else if (key.startsWith('$')) {
      bad('unknown strategic merge directive (expected $patch, $retainKeys, $setElementOrder/<list> or $deleteFromPrimitiveList/<list>)');
    } else {
      checkDirectives(v, where, at, report);
    }
  }
}
