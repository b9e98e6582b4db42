/**
 * The restore form, turned into the ApplicationRestore the CLI and the restore function read, and validated by
 * the same spec reader (lib/spec/restore-spec.ts): a bad form gets every problem at once, naming the field.
 */
import { parse as parseYaml } from 'yaml';
import { isRecord } from '../model/object.js';
import { parseResourceModifiers } from '../restore/modifiers/index.js';
import { formatProblem, SpecError } from '../spec/problems.js';
import { parseRestoreSpec, type RestoreSpec } from '../spec/restore-spec.js';
import { ConsoleError } from './errors.js';

/** A validated form: the restore document as sent to the restore function, its parsed spec and target. */
export interface RestoreRequestForm {
  document: Record<string, unknown>;
  spec: RestoreSpec;
  targetCluster: string;
}

const MAPPINGS = ['namespaceMapping', 'storageClassMapping', 'imageRegistryMapping'] as const;
const FIELDS = new Set(['name', 'backupName', 'targetCluster', 'modifiers', 'existingResourcePolicy', ...MAPPINGS]);

/**
 * Reads the form `{name, backupName, targetCluster, namespaceMapping?, storageClassMapping?, imageRegistryMapping?,
 * modifiers?: YAML text (rules, bare or in a ConfigMap), existingResourcePolicy?}`. Throws ConsoleError 400 listing
 * every problem; `clusters` are the config's cluster names.
 */
export function readRestoreForm(body: Record<string, unknown>, clusters: readonly string[]): RestoreRequestForm {
  const problems: string[] = [];
  for (const key of Object.keys(body)) if (!FIELDS.has(key)) problems.push(`${key}: unknown field`);
  const targetCluster = typeof body.targetCluster === 'string' ? body.targetCluster : '';
  if (!clusters.includes(targetCluster)) problems.push(`targetCluster: expected one of ${clusters.join(', ')}, got ${JSON.stringify(body.targetCluster ?? null)}`);
  const spec: Record<string, unknown> = { backupName: body.backupName };
  for (const m of MAPPINGS) if (body[m] !== undefined && !(isRecord(body[m]) && Object.keys(body[m]).length === 0)) spec[m] = body[m];
  if (body.existingResourcePolicy !== undefined && body.existingResourcePolicy !== '') spec.existingResourcePolicy = body.existingResourcePolicy;
  if (typeof body.modifiers === 'string' && body.modifiers.trim()) {
    const inline = inlineRules(body.modifiers, problems);
    if (inline) spec.resourceModifier = inline;
  } else if (body.modifiers !== undefined && typeof body.modifiers !== 'string') {
    problems.push('modifiers: expected the rules as YAML text');
  }
  const document = { apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name: body.name }, spec };
  let parsed: RestoreSpec | undefined;
  try {
    parsed = parseRestoreSpec(document, 'restore form');
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    problems.push(...err.problems.map(formatProblem));
  }
  if (problems.length || !parsed) throw new ConsoleError(400, 'the restore is not valid', problems);
  return { document, spec: parsed, targetCluster };
}

/** The rules of the modifiers text (bare, or the one data key of a ConfigMap), checked by the restore's own parser. */
function inlineRules(text: string, problems: string[]): Record<string, unknown> | undefined {
  try {
    parseResourceModifiers(text, 'modifiers');
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    problems.push(...err.problems.map(formatProblem));
    return undefined;
  }
  const value = parseYaml(text) as unknown;
  if (isRecord(value) && value.kind === 'ConfigMap' && isRecord(value.data)) {
    const inner = Object.values(value.data)[0];
    return typeof inner === 'string' ? parseYaml(inner) as Record<string, unknown> : undefined;
  }
  return isRecord(value) ? value : undefined;
}
