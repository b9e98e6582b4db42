import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { cloneJson, type KubeObject } from '../../../../lib/model/object.js';
import { applyResourceModifiers, parseResourceModifiers, parseResourceModifiersConfigMap } from '../../../../lib/restore/modifiers/index.js';
import { SpecError } from '../../../../lib/spec/problems.js';

// The seed article's StatefulSet and resource-modifier ConfigMap, verbatim, plus one Pod of that StatefulSet.
const seed = (file: string): string => readFileSync(new URL(`../../../golden/modifiers/seed/${file}`, import.meta.url), 'utf8');
const statefulSet = (): KubeObject => parse(seed('statefulset.yaml')) as KubeObject;
const pod = (): KubeObject => parse(seed('pod-web-0.yaml')) as KubeObject;

describe('the seed article\'s resource modifier ConfigMap as printed', () => {
  it('is valid YAML in which the second rule\'s path sits beside patches instead of inside its operation', () => {
    const configMap = parse(seed('resource-modifier-configmap.yaml')) as { data: { modifier: string } };
    const inner = parse(configMap.data.modifier) as { resourceModifierRules: Record<string, unknown>[] };
    expect(inner.resourceModifierRules[1]).toMatchObject({ patches: [{ operation: 'remove' }], path: '/spec/affinity' });
  });

  it('is refused with a clear error at the misplaced path\'s line and column in the ConfigMap, naming the rule', () => {
    let error: unknown;
    try {
      parseResourceModifiers(seed('resource-modifier-configmap.yaml'), 'resource-modifier-configmap.yaml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SpecError);
    const problems = (error as SpecError).problems;
    expect(problems.map(({ path, line, column }) => ({ path, line, column }))).toEqual([
      { path: 'data.modifier.resourceModifierRules[1].path', line: 26, column: 7 },
      { path: 'data.modifier.resourceModifierRules[1].patches[0]', line: 25, column: 9 },
    ]);
    expect(problems[0]!.message).toMatch(/^rule 1: unknown field "path": it is a field of a JSON patch operation .*indent it two more spaces/);
    expect(problems[1]!.message).toMatch(/remove needs "path"/);
    expect((error as SpecError).message).toContain('resource-modifier-configmap.yaml: data.modifier.resourceModifierRules[1].path (line 26, column 7)');
  });
});

describe('the seed article\'s resource modifier rules, corrected', () => {
  const modifiers = parseResourceModifiers(seed('resource-modifier-configmap-fixed.yaml'), 'fixed.yaml');

  it('are the same rules whether read from the file or from the ConfigMap object in the cluster', () => {
    const configMap = parse(seed('resource-modifier-configmap-fixed.yaml')) as KubeObject;
    expect(parseResourceModifiersConfigMap(configMap, 'csdr/<backupName>-resource-modifier')).toEqual(modifiers);
    expect(modifiers.rules.map((r) => r.conditions.groupResource)).toEqual(['statefulsets.apps', 'pods']);
  });

  it('remove the node affinity from the StatefulSet\'s Pod template with the first rule only', () => {
    const sts = statefulSet();
    const result = applyResourceModifiers(sts, sts, 'statefulsets.apps', modifiers);
    expect(result.errors).toEqual([]);
    expect(result.applied).toEqual([0]);
    const expected = cloneJson(sts);
    (expected.spec as { template: { spec: { affinity: unknown } } }).template.spec.affinity = {};
    expect(result.object).toEqual(expected);
  });

  it('remove the whole affinity from the Pod web-0 with the second rule only', () => {
    const original = pod();
    const result = applyResourceModifiers(original, original, 'pods', modifiers);
    expect(result.errors).toEqual([]);
    expect(result.applied).toEqual([1]);
    const expected = cloneJson(original);
    delete (expected.spec as Record<string, unknown>).affinity;
    expect(result.object).toEqual(expected);
  });

  it('still match after namespaceMapping moved the objects from default to default1, because conditions see the backup', () => {
    for (const [original, groupResource, applied] of [[statefulSet(), 'statefulsets.apps', [0]], [pod(), 'pods', [1]]] as const) {
      const current = cloneJson(original);
      current.metadata.namespace = 'default1';
      const result = applyResourceModifiers(current, original, groupResource, modifiers);
      expect(result.applied).toEqual(applied);
      expect(result.object.metadata.namespace).toBe('default1');
    }
  });

  it.each([
    ['a Pod whose name does not contain web at the start', (p: KubeObject) => { p.metadata.name = 'db-0'; }],
    ['a Pod in another namespace of the backup', (p: KubeObject) => { p.metadata.namespace = 'staging'; }],
    ['a Pod without the app=nginx label', (p: KubeObject) => { p.metadata.labels = { app: 'redis' }; }],
  ])('leave %s untouched', (_name, change) => {
    const original = pod();
    change(original);
    const result = applyResourceModifiers(original, original, 'pods', modifiers);
    expect(result.applied).toEqual([]);
    expect(result.object).toEqual(original);
  });
});
