import { parseDocument } from 'yaml';
import { cloneJson, isRecord } from '../../model/object.js';

/**
 * Velero reads the rules with a YAML 1.1 parser, to which a plain `yes`, `no`, `on`, `off`, `y` or `n` is a
 * boolean; a JSON patch or `matches` value written so is therefore the boolean for Velero. Ferry parses YAML 1.2,
 * where those are strings, so this gives such plain values (only those of `value` fields) the YAML 1.1 meaning.
 * Quoted values stay strings, as in Velero.
 */
export function withYaml11Booleans(value: unknown, text: string): unknown {
  if (!isRecord(value) || !Array.isArray(value.resourceModifierRules)) return value;
  const old = parseDocument(text, { version: '1.1', uniqueKeys: false }).toJS({ maxAliasCount: 100 }) as unknown;
  if (!isRecord(old) || !Array.isArray(old.resourceModifierRules)) return value;
  const out = cloneJson(value) as { resourceModifierRules: unknown[] };
  out.resourceModifierRules.forEach((rule, i) => {
    const oldRule = (old.resourceModifierRules as unknown[])[i];
    if (!isRecord(rule) || !isRecord(oldRule)) return;
    fixValues(rule.patches, oldRule.patches);
    if (isRecord(rule.conditions) && isRecord(oldRule.conditions)) fixValues(rule.conditions.matches, oldRule.conditions.matches);
  });
  return out;
}

function fixValues(list: unknown, oldList: unknown): void {
  if (!Array.isArray(list) || !Array.isArray(oldList)) return;
  list.forEach((entry, i) => {
    const oldEntry: unknown = oldList[i];
    if (isRecord(entry) && isRecord(oldEntry) && typeof entry.value === 'string' && typeof oldEntry.value === 'boolean') {
      entry.value = oldEntry.value;
    }
  });
}
