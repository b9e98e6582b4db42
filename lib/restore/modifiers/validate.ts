import { isRecord } from '../../model/object.js';
import { checkGlob } from '../../spec/glob.js';
import { parseLabelSelector, type LabelSelector } from '../../spec/label-selector.js';
import { ProblemCollector } from '../../spec/problems.js';
import { compileGoRegex } from '../../spec/go-regex.js';
import { typeVeleroValue } from './patch-value.js';
import { checkKeys, describe, type FieldPath, type Reporter } from './report.js';
import type { MatchCondition, ModifierConditions, ModifierPatches, ModifierRule, ResourceModifiers } from './types.js';
import { validateJsonPatches, validatePatchDataList } from './validate-patches.js';

const TOP_KEYS = ['version', 'resourceModifierRules'];
const RULE_KEYS = ['conditions', 'patches', 'mergePatches', 'strategicPatches'];
const CONDITION_KEYS = ['groupResource', 'resourceNameRegex', 'namespaces', 'labelSelector', 'matches'];
const JSON_PATCH_KEYS = ['operation', 'path', 'value', 'from'];
const PATCH_KINDS = ['patches', 'mergePatches', 'strategicPatches'] as const;

/** Validates a parsed rules document strictly, reporting every problem; returns the rules when there is none. */
export function validateResourceModifiers(value: unknown, report: Reporter): ResourceModifiers | undefined {
  if (!isRecord(value)) {
    report.add([], `expected a mapping with version and resourceModifierRules, got ${describe(value)}`);
    return undefined;
  }
  checkKeys(value, [], TOP_KEYS, report);
  if (value.version === undefined) report.add([], 'version is required: write "version: v1"');
  else if (typeof value.version !== 'string' || value.version.toLowerCase() !== 'v1') {
    report.add(['version'], `unsupported version ${describe(value.version)}: only v1 exists`);
  }
  const list = value.resourceModifierRules;
  const rules: ModifierRule[] = [];
  if (list === undefined) report.add([], 'resourceModifierRules is required: a list of rules, each with conditions and patches');
  else if (!Array.isArray(list)) report.add(['resourceModifierRules'], `expected a list of rules, got ${describe(list)}`);
  else if (list.length === 0) report.add(['resourceModifierRules'], 'the list of rules is empty (Velero refuses an empty list)');
  else list.forEach((raw, i) => {
    const rule = validateRule(raw, ['resourceModifierRules', i], report);
    if (rule) rules.push(rule);
  });
  return report.problems.length === 0 ? { version: 'v1', rules } : undefined;
}

function validateRule(raw: unknown, at: FieldPath, report: Reporter): ModifierRule | undefined {
  if (!isRecord(raw)) {
    report.add(at, `expected a mapping with conditions and patches, got ${describe(raw)}`);
    return undefined;
  }
  checkKeys(raw, at, RULE_KEYS, report, (key) => {
    if (JSON_PATCH_KEYS.includes(key)) {
      return `unknown field "${key}": it is a field of a JSON patch operation but sits at the level of the ` +
        'rule\'s "patches" key; indent it two more spaces so that it lines up with "operation" inside the "- operation:" item';
    }
    if (CONDITION_KEYS.includes(key)) return `unknown field "${key}": it belongs under "conditions"`;
    return undefined;
  });
  const conditions = validateConditions(raw.conditions, [...at, 'conditions'], report);
  const given = PATCH_KINDS.filter((k) => raw[k] !== undefined && raw[k] !== null && !(Array.isArray(raw[k]) && raw[k].length === 0));
  let patches: ModifierPatches | undefined;
  if (given.length > 1) {
    report.add(at, `only one of patches, mergePatches and strategicPatches may be given, found ${given.join(' and ')}`);
  } else if (given.length === 0) {
    report.add(at, `the rule changes nothing: give one of patches, mergePatches or strategicPatches`);
  } else if (given[0] === 'patches') {
    const operations = validateJsonPatches(raw.patches, [...at, 'patches'], report);
    if (operations) patches = { type: 'json', operations };
  } else {
    const kind = given[0]!;
    const list = validatePatchDataList(raw[kind], [...at, kind], kind === 'strategicPatches', report);
    if (list) patches = { type: kind === 'mergePatches' ? 'merge' : 'strategic', patches: list };
  }
  return conditions && patches ? { conditions, patches } : undefined;
}

function validateConditions(raw: unknown, at: FieldPath, report: Reporter): ModifierConditions | undefined {
  if (raw === undefined || raw === null) {
    report.add(at.slice(0, -1), 'conditions is required, with at least groupResource');
    return undefined;
  }
  if (!isRecord(raw)) {
    report.add(at, `expected a mapping of conditions, got ${describe(raw)}`);
    return undefined;
  }
  const before = report.problems.length;
  checkKeys(raw, at, CONDITION_KEYS, report, (key) =>
    key === 'groupKind' ? 'unknown field "groupKind": Velero renamed it groupResource (a glob such as deployments.apps)' : undefined);
  const conditions: ModifierConditions = { groupResource: '' };
  const { groupResource, resourceNameRegex, namespaces, labelSelector, matches } = raw;
  if (typeof groupResource !== 'string' || groupResource === '') {
    report.add(groupResource === undefined ? at : [...at, 'groupResource'],
      `groupResource is required: a non-empty glob such as "deployments.apps", "pods", "*.apps" or "*"${groupResource === undefined || groupResource === '' ? '' : `, got ${describe(groupResource)}`}`);
  } else {
    const problem = checkGlob(groupResource, { separator: '.' });
    if (problem) report.add([...at, 'groupResource'], problem);
    conditions.groupResource = groupResource;
  }
  if (resourceNameRegex !== undefined && resourceNameRegex !== '') {
    if (typeof resourceNameRegex !== 'string') report.add([...at, 'resourceNameRegex'], `expected a regular expression, got ${describe(resourceNameRegex)}`);
    else {
      try {
        compileGoRegex(resourceNameRegex);
        conditions.resourceNameRegex = resourceNameRegex;
      } catch (err) {
        report.add([...at, 'resourceNameRegex'], `not a regular expression Velero accepts (Go's RE2 syntax): ${(err as Error).message}`);
      }
    }
  }
  if (namespaces !== undefined && namespaces !== null) {
    if (!Array.isArray(namespaces)) report.add([...at, 'namespaces'], `expected a list of namespace globs, got ${describe(namespaces)}`);
    else {
      namespaces.forEach((ns, i) => {
        const problem = typeof ns === 'string' ? checkGlob(ns) : `expected a namespace (glob), got ${describe(ns)}`;
        if (problem) report.add([...at, 'namespaces', i], problem);
      });
      conditions.namespaces = namespaces.filter((ns): ns is string => typeof ns === 'string');
    }
  }
  if (labelSelector !== undefined && labelSelector !== null) {
    const selector = validateSelector(labelSelector, [...at, 'labelSelector'], report);
    if (selector) conditions.labelSelector = selector;
  }
  if (matches !== undefined && matches !== null) conditions.matches = validateMatches(matches, [...at, 'matches'], report);
  return report.problems.length === before ? conditions : undefined;
}

function validateSelector(raw: unknown, at: FieldPath, report: Reporter): LabelSelector | undefined {
  const collector = new ProblemCollector(report.document);
  const selector = parseLabelSelector(raw, '', collector);
  for (const p of collector.problems) report.add([...at, ...splitDotted(raw, p.path)], p.message);
  return collector.problems.length === 0 ? selector : undefined;
}

// parseLabelSelector reports dotted paths whose label keys may hold dots; walk the value to split them back.
function splitDotted(value: unknown, dotted: string): (string | number)[] {
  const out: (string | number)[] = [];
  let rest = dotted;
  let node = value;
  while (rest) {
    const index = /^\[(\d+)\]\.?/.exec(rest);
    if (index && Array.isArray(node)) {
      out.push(Number(index[1]));
      node = node[Number(index[1])];
      rest = rest.slice(index[0].length);
      continue;
    }
    if (!isRecord(node)) break;
    const key = Object.keys(node).sort((a, b) => b.length - a.length)
      .find((k) => rest === k || rest.startsWith(`${k}.`) || rest.startsWith(`${k}[`));
    if (key === undefined) break;
    out.push(key);
    node = node[key];
    rest = rest.slice(key.length).replace(/^\./, '');
  }
  return out;
}

function validateMatches(raw: unknown, at: FieldPath, report: Reporter): MatchCondition[] {
  if (!Array.isArray(raw)) {
    report.add(at, `expected a list of {path, value}, got ${describe(raw)}`);
    return [];
  }
  const out: MatchCondition[] = [];
  raw.forEach((entry, i) => {
    const here = [...at, i];
    if (!isRecord(entry)) {
      report.add(here, `expected a mapping with path and value, got ${describe(entry)}`);
      return;
    }
    checkKeys(entry, here, ['path', 'value'], report);
    const typed = typeVeleroValue(entry.value);
    if (!typed.ok) report.add([...here, 'value'], typed.message);
    if (typeof entry.path !== 'string' || entry.path === '') report.add(here, 'path is required: a JSON pointer such as /spec/replicas');
    else if (!entry.path.startsWith('/')) report.add([...here, 'path'], `"${entry.path}" is not a JSON pointer: it must start with "/"`);
    else if (typed.ok) out.push({ path: entry.path, value: typed.value });
  });
  return out;
}
