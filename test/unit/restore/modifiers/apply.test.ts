import { describe, expect, it } from 'vitest';
import { cloneJson, type KubeObject } from '../../../../lib/model/object.js';
import { applyResourceModifiers } from '../../../../lib/restore/modifiers/index.js';
import { getAt } from '../../../../lib/restore/modifiers/json-pointer.js';
import { configMap, deployment, persistentVolume, rules } from './fixtures.js';

interface Case {
  name: string;
  rules: string;
  object?: () => KubeObject;
  groupResource?: string;
  /** Changes made to the object before this stage (such as by earlier stages), leaving the original as it was. */
  before?: (current: KubeObject) => void;
  applied: number[];
  errors?: RegExp[];
  /** Expected values at JSON pointers of the result; undefined means the path must not exist. */
  at?: Record<string, unknown>;
}

const replicas = (value: string): string => `  patches:\n  - operation: replace\n    path: /spec/replicas\n    value: ${value}\n`;

const cases: Case[] = [
  // Conditions: groupResource globs.
  { name: 'a rule whose groupResource names the resource exactly patches it', rules: `- conditions:\n    groupResource: deployments.apps\n${replicas('"3"')}`, applied: [0], at: { '/spec/replicas': 3 } },
  { name: 'a single * matches a core-group resource such as configmaps', object: configMap, groupResource: 'configmaps', rules: `- conditions:\n    groupResource: "*"\n  patches:\n  - operation: add\n    path: /data/extra\n    value: "yes"\n`, applied: [0], at: { '/data/extra': 'yes' } },
  { name: 'a single * does not match deployments.apps because it does not cross a dot', rules: `- conditions:\n    groupResource: "*"\n${replicas('"3"')}`, applied: [], at: { '/spec/replicas': 2 } },
  { name: 'the glob *.apps matches deployments.apps', rules: `- conditions:\n    groupResource: "*.apps"\n${replicas('"3"')}`, applied: [0], at: { '/spec/replicas': 3 } },
  { name: 'the glob ** matches resources of every group', rules: `- conditions:\n    groupResource: "**"\n${replicas('"4"')}`, applied: [0], at: { '/spec/replicas': 4 } },
  { name: 'a rule for another resource leaves the object alone', rules: `- conditions:\n    groupResource: statefulsets.apps\n${replicas('"3"')}`, applied: [], at: { '/spec/replicas': 2 } },
  // Conditions: names, namespaces, labels.
  { name: 'resourceNameRegex is unanchored, so "front" matches web-frontend', rules: `- conditions:\n    groupResource: deployments.apps\n    resourceNameRegex: front\n${replicas('"3"')}`, applied: [0], at: { '/spec/replicas': 3 } },
  { name: 'an anchored resourceNameRegex that does not match the whole name skips the rule', rules: `- conditions:\n    groupResource: deployments.apps\n    resourceNameRegex: "^front"\n${replicas('"3"')}`, applied: [], at: { '/spec/replicas': 2 } },
  { name: 'a leading (?i) makes resourceNameRegex case-insensitive as in Go', rules: `- conditions:\n    groupResource: deployments.apps\n    resourceNameRegex: "(?i)^WEB-"\n${replicas('"3"')}`, applied: [0], at: { '/spec/replicas': 3 } },
  { name: 'resourceNameRegex has Go\'s RE2 meaning, so [[:alpha:]] is a letter class matching web-frontend', rules: `- conditions:\n    groupResource: deployments.apps\n    resourceNameRegex: "^[[:alpha:]]+-[[:alpha:]]+$"\n${replicas('"3"')}`, applied: [0], at: { '/spec/replicas': 3 } },
  { name: 'a catastrophic resourceNameRegex such as ^(a+)+$ against a long name finishes and does not match', object: () => { const d = deployment(); d.metadata.name = `${'a'.repeat(5000)}!`; return d; }, rules: `- conditions:\n    groupResource: deployments.apps\n    resourceNameRegex: "^(a+)+$"\n${replicas('"3"')}`, applied: [], at: { '/spec/replicas': 2 } },
  { name: 'namespaces are globs, so sh* matches the namespace shop', rules: `- conditions:\n    groupResource: deployments.apps\n    namespaces: ["sh*"]\n${replicas('"3"')}`, applied: [0], at: { '/spec/replicas': 3 } },
  { name: 'an object in a namespace outside the list is not patched', rules: `- conditions:\n    groupResource: deployments.apps\n    namespaces: [default, kube-system]\n${replicas('"3"')}`, applied: [], at: { '/spec/replicas': 2 } },
  { name: 'namespaces are tested against the backup namespace, before namespaceMapping', before: (o) => { o.metadata.namespace = 'shop-restored'; }, rules: `- conditions:\n    groupResource: deployments.apps\n    namespaces: [shop]\n${replicas('"3"')}`, applied: [0], at: { '/spec/replicas': 3, '/metadata/namespace': 'shop-restored' } },
  { name: 'a cluster-scoped object skips the namespace test', object: persistentVolume, groupResource: 'persistentvolumes', rules: `- conditions:\n    groupResource: persistentvolumes\n    namespaces: [default]\n  patches:\n  - operation: replace\n    path: /spec/storageClassName\n    value: premium\n`, applied: [0], at: { '/spec/storageClassName': 'premium' } },
  { name: 'a labelSelector whose matchLabels all hold selects the object', rules: `- conditions:\n    groupResource: deployments.apps\n    labelSelector:\n      matchLabels: {app: web, tier: frontend}\n${replicas('"3"')}`, applied: [0], at: { '/spec/replicas': 3 } },
  { name: 'a labelSelector with a NotIn expression on the object\'s tier excludes it', rules: `- conditions:\n    groupResource: deployments.apps\n    labelSelector:\n      matchExpressions:\n      - {key: tier, operator: NotIn, values: [frontend]}\n${replicas('"3"')}`, applied: [], at: { '/spec/replicas': 2 } },
  // Conditions: matches.
  { name: 'matches entries must all hold, and "2" is compared as the number 2 as Velero types it', rules: `- conditions:\n    groupResource: deployments.apps\n    matches:\n    - path: /spec/replicas\n      value: "2"\n    - path: /spec/strategy/type\n      value: RollingUpdate\n${replicas('"5"')}`, applied: [0], at: { '/spec/replicas': 5 } },
  { name: 'one matches entry that does not hold skips the rule', rules: `- conditions:\n    groupResource: deployments.apps\n    matches:\n    - path: /spec/replicas\n      value: "2"\n    - path: /spec/strategy/type\n      value: Recreate\n${replicas('"5"')}`, applied: [], at: { '/spec/replicas': 2 } },
  { name: 'a matches path that is missing means no match, not an error', rules: `- conditions:\n    groupResource: deployments.apps\n    matches:\n    - path: /spec/paused/deep\n      value: "true"\n${replicas('"5"')}`, applied: [], errors: [], at: { '/spec/replicas': 2 } },
  { name: 'a matches value in escaped quotes is compared as a string', object: configMap, groupResource: 'configmaps', rules: `- conditions:\n    groupResource: configmaps\n    matches:\n    - path: /data/count\n      value: '"2"'\n  patches:\n  - operation: replace\n    path: /data/count\n    value: '"3"'\n`, applied: [0], at: { '/data/count': '3' } },
  // Order and accumulation.
  { name: 'every rule\'s conditions are tested against the original object, not the result of earlier rules', rules: `- conditions:\n    groupResource: deployments.apps\n  patches:\n  - operation: replace\n    path: /metadata/labels/app\n    value: api\n- conditions:\n    groupResource: deployments.apps\n    labelSelector:\n      matchLabels: {app: web}\n${replicas('"3"')}`, applied: [0, 1], at: { '/metadata/labels/app': 'api', '/spec/replicas': 3 } },
  { name: 'patches of several rules accumulate, and a later rule overrides an earlier one', rules: `- conditions:\n    groupResource: deployments.apps\n${replicas('"3"')}  - operation: add\n    path: /metadata/labels/restored\n    value: "yes"\n- conditions:\n    groupResource: deployments.apps\n${replicas('"7"')}`, applied: [0, 1], at: { '/spec/replicas': 7, '/metadata/labels/restored': 'yes' } },
  // Value typing.
  { name: 'a quoted "true" in escaped quotes is the string true', object: configMap, groupResource: 'configmaps', rules: `- conditions:\n    groupResource: configmaps\n  patches:\n  - operation: replace\n    path: /data/test\n    value: '"false"'\n`, applied: [0], at: { '/data/test': 'false' } },
  { name: 'the text true and the YAML boolean true both become the boolean true', rules: `- conditions:\n    groupResource: deployments.apps\n  patches:\n  - operation: add\n    path: /spec/paused\n    value: "true"\n  - operation: add\n    path: /spec/template/spec/hostNetwork\n    value: true\n`, applied: [0], at: { '/spec/paused': true, '/spec/template/spec/hostNetwork': true } },
  { name: 'the text null sets a JSON null', rules: `- conditions:\n    groupResource: deployments.apps\n  patches:\n  - operation: replace\n    path: /spec/strategy/rollingUpdate\n    value: "null"\n`, applied: [0], at: { '/spec/strategy/rollingUpdate': null } },
  { name: 'a value starting with { is JSON, so an escaped container is added as an object', rules: `- conditions:\n    groupResource: deployments.apps\n  patches:\n  - operation: add\n    path: /spec/template/spec/containers/0\n    value: "{\\"name\\": \\"init\\", \\"image\\": \\"busybox\\", \\"ports\\": [{\\"containerPort\\": 8080}]}"\n`, applied: [0], at: { '/spec/template/spec/containers/0/name': 'init', '/spec/template/spec/containers/0/ports/0/containerPort': 8080, '/spec/template/spec/containers/1/name': 'nginx' } },
  { name: 'a plain word value is a string and a YAML number is a number', rules: `- conditions:\n    groupResource: deployments.apps\n  patches:\n  - operation: replace\n    path: /spec/template/spec/containers/1/image\n    value: busybox\n  - operation: add\n    path: /spec/minReadySeconds\n    value: 15\n`, applied: [0], at: { '/spec/template/spec/containers/1/image': 'busybox', '/spec/minReadySeconds': 15 } },
  // JSON patch outcomes.
  { name: 'a failed test skips the whole rule silently, even the operations before it', rules: `- conditions:\n    groupResource: deployments.apps\n${replicas('"9"')}  - operation: test\n    path: /spec/template/spec/containers/0/image\n    value: nginx:1.14\n`, applied: [], errors: [], at: { '/spec/replicas': 2 } },
  { name: 'a test that holds lets the rule apply', rules: `- conditions:\n    groupResource: deployments.apps\n  patches:\n  - operation: test\n    path: /spec/template/spec/containers/0/image\n    value: nginx:1.25\n  - operation: replace\n    path: /spec/template/spec/containers/0/image\n    value: mirror.example/nginx:1.25\n`, applied: [0], at: { '/spec/template/spec/containers/0/image': 'mirror.example/nginx:1.25' } },
  { name: 'remove of a missing path is an error naming the rule, the operation and the path, and that rule changes nothing', rules: `- conditions:\n    groupResource: deployments.apps\n${replicas('"3"')}- conditions:\n    groupResource: deployments.apps\n  patches:\n  - operation: add\n    path: /metadata/labels/half\n    value: done\n  - operation: remove\n    path: /spec/template/spec/affinity\n`, applied: [0], errors: [/^resourceModifierRules\[1\]: patches\[1\] remove \/spec\/template\/spec\/affinity: the path does not exist$/], at: { '/spec/replicas': 3, '/metadata/labels/half': undefined } },
  { name: 'replace of a missing path is an error', rules: `- conditions:\n    groupResource: deployments.apps\n  patches:\n  - operation: replace\n    path: /spec/paused\n    value: "true"\n`, applied: [], errors: [/resourceModifierRules\[0\]: patches\[0\] replace \/spec\/paused: the path does not exist/], at: { '/spec/paused': undefined } },
  { name: 'add under a missing parent is an error', rules: `- conditions:\n    groupResource: deployments.apps\n  patches:\n  - operation: add\n    path: /metadata/annotations/owner\n    value: team-a\n`, applied: [], errors: [/patches\[0\] add \/metadata\/annotations\/owner: the parent of this path does not exist/] },
  { name: 'add to "-" appends to a list, copy duplicates a value and move relocates one', rules: `- conditions:\n    groupResource: deployments.apps\n  patches:\n  - operation: add\n    path: /spec/template/spec/imagePullSecrets/-\n    value: '{"name": "registry-b"}'\n  - operation: copy\n    from: /metadata/labels/app\n    path: /metadata/labels/copied\n  - operation: move\n    from: /metadata/labels/tier\n    path: /metadata/labels/layer\n`, applied: [0], at: { '/spec/template/spec/imagePullSecrets/1/name': 'registry-b', '/metadata/labels/copied': 'web', '/metadata/labels/layer': 'frontend', '/metadata/labels/tier': undefined } },
  // Merge patches.
  { name: 'mergePatches delete a key with null and replace lists whole', rules: `- conditions:\n    groupResource: deployments.apps\n  mergePatches:\n  - patchData: |\n      metadata:\n        labels:\n          tier: null\n      spec:\n        template:\n          spec:\n            tolerations: []\n`, applied: [0], at: { '/metadata/labels/tier': undefined, '/metadata/labels/app': 'web', '/spec/template/spec/tolerations': [] } },
  { name: 'mergePatches apply in order, the later one winning', rules: `- conditions:\n    groupResource: deployments.apps\n  mergePatches:\n  - patchData: '{"spec": {"replicas": 4, "paused": true}}'\n  - patchData: '{"spec": {"replicas": 6}}'\n`, applied: [0], at: { '/spec/replicas': 6, '/spec/paused': true } },
  { name: 'a merge patch that removes kind is an error because the result is no longer a Kubernetes object', rules: `- conditions:\n    groupResource: deployments.apps\n  mergePatches:\n  - patchData: '{"kind": null}'\n`, applied: [], errors: [/resourceModifierRules\[0\]: mergePatches: the result is no longer a Kubernetes object/], at: { '/kind': 'Deployment' } },
  // Strategic merge patches.
  { name: 'strategicPatches merge containers by name and keep the other fields', rules: `- conditions:\n    groupResource: deployments.apps\n  strategicPatches:\n  - patchData: |\n      spec:\n        template:\n          spec:\n            containers:\n            - name: sidecar\n              image: busybox:1.37\n`, applied: [0], at: { '/spec/template/spec/containers/1/image': 'busybox:1.37', '/spec/template/spec/containers/1/args': ['sleep', 'infinity'], '/spec/template/spec/containers/0/image': 'nginx:1.25' } },
  { name: 'strategicPatches replace tolerations whole because the list has no patch strategy', rules: `- conditions:\n    groupResource: deployments.apps\n  strategicPatches:\n  - patchData: '{"spec": {"template": {"spec": {"tolerations": [{"key": "gpu", "operator": "Exists"}]}}}}'\n`, applied: [0], at: { '/spec/template/spec/tolerations': [{ key: 'gpu', operator: 'Exists' }] } },
  { name: 'a $patch: delete element removes the container with that name', rules: `- conditions:\n    groupResource: deployments.apps\n  strategicPatches:\n  - patchData: |\n      spec:\n        template:\n          spec:\n            containers:\n            - name: sidecar\n              $patch: delete\n`, applied: [0], at: { '/spec/template/spec/containers/0/name': 'nginx', '/spec/template/spec/containers/1': undefined } },
  { name: 'a custom resource without a known CRD cannot take a strategic patch and the error says what to use instead', object: () => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' }, spec: { items: [] } }), groupResource: 'widgets.example.com', rules: `- conditions:\n    groupResource: widgets.example.com\n  strategicPatches:\n  - patchData: '{"spec": {"size": 2}}'\n`, applied: [], errors: [/resourceModifierRules\[0\]: strategicPatches: Widget.example.com is a custom resource and its CustomResourceDefinition was found neither in the backup nor in the target cluster.*use mergePatches or JSON patches/], at: { '/spec/size': undefined } },
];

describe('applyResourceModifiers', () => {
  it.each(cases)('$name', (c) => {
    const original = (c.object ?? deployment)();
    const current = cloneJson(original);
    c.before?.(current);
    const result = applyResourceModifiers(current, original, c.groupResource ?? 'deployments.apps', rules(c.rules));
    expect(result.applied).toEqual(c.applied);
    if (c.errors) {
      expect(result.errors).toHaveLength(c.errors.length);
      c.errors.forEach((re, i) => expect(result.errors[i]).toMatch(re));
    } else {
      expect(result.errors).toEqual([]);
    }
    for (const [pointer, value] of Object.entries(c.at ?? {})) expect(getAt(result.object, pointer), pointer).toEqual(value);
  });

  it('never mutates the current or the original object, and returns a new object even when nothing matched', () => {
    const original = deployment();
    const current = deployment();
    const snapshot = cloneJson(current);
    const modifiers = rules(`- conditions:\n    groupResource: deployments.apps\n  strategicPatches:\n  - patchData: '{"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "x"}]}}}}'\n- conditions:\n    groupResource: deployments.apps\n  patches:\n  - operation: remove\n    path: /spec/template/spec/volumes/0\n`);
    const result = applyResourceModifiers(current, original, 'deployments.apps', modifiers);
    expect(result.applied).toEqual([0, 1]);
    expect(current).toEqual(snapshot);
    expect(original).toEqual(snapshot);
    const none = applyResourceModifiers(current, original, 'pods', modifiers);
    expect(none.object).toEqual(current);
    expect(none.object).not.toBe(current);
  });
});
