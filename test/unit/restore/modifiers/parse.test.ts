import { describe, expect, it } from 'vitest';
import { parseResourceModifiers, parseResourceModifiersConfigMap } from '../../../../lib/restore/modifiers/index.js';
import { SpecError, type Problem } from '../../../../lib/spec/problems.js';

/** Parses and returns the problems of the SpecError it must throw. */
function problemsOf(text: string): Problem[] {
  try {
    parseResourceModifiers(text, 'rules.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return [...(err as SpecError).problems];
  }
  throw new Error('expected a SpecError');
}

interface Expected { path: string; message: RegExp; line: number; column: number }

const head = 'version: v1\nresourceModifierRules:\n';
const cases: { name: string; text: string; problems: Expected[] }[] = [
  {
    name: 'an unknown top-level key is reported with its line and column',
    text: `${head}- conditions:\n    groupResource: pods\n  patches:\n  - operation: remove\n    path: /spec/x\nrules: []\n`,
    problems: [{ path: 'rules', message: /unknown field "rules" \(expected version, resourceModifierRules\)/, line: 8, column: 1 }],
  },
  {
    name: 'a version other than v1 is refused',
    text: `version: v2\nresourceModifierRules:\n- conditions: {groupResource: pods}\n  patches: [{operation: remove, path: /a}]\n`,
    problems: [{ path: 'version', message: /unsupported version "v2": only v1 exists/, line: 1, column: 1 }],
  },
  {
    name: 'an empty list of rules is refused as Velero refuses it',
    text: 'version: v1\nresourceModifierRules: []\n',
    problems: [{ path: 'resourceModifierRules', message: /the list of rules is empty/, line: 2, column: 1 }],
  },
  {
    name: 'an empty groupResource is reported at its key',
    text: `${head}- conditions:\n    groupResource: ""\n  patches: [{operation: remove, path: /a}]\n`,
    problems: [{ path: 'resourceModifierRules[0].conditions.groupResource', message: /groupResource is required: a non-empty glob/, line: 4, column: 5 }],
  },
  {
    name: 'the old field name groupKind gets a hint to rename it',
    text: `${head}- conditions:\n    groupKind: pods\n  patches: [{operation: remove, path: /a}]\n`,
    problems: [
      { path: 'resourceModifierRules[0].conditions.groupKind', message: /Velero renamed it groupResource/, line: 4, column: 5 },
      { path: 'resourceModifierRules[0].conditions', message: /groupResource is required/, line: 3, column: 3 },
    ],
  },
  {
    name: 'more than one of patches, mergePatches and strategicPatches in a rule is refused',
    text: `${head}- conditions: {groupResource: pods}\n  patches: [{operation: remove, path: /a}]\n  mergePatches: [{patchData: "{}"}]\n`,
    problems: [{ path: 'resourceModifierRules[0]', message: /only one of patches, mergePatches and strategicPatches may be given, found patches and mergePatches/, line: 3, column: 3 }],
  },
  {
    name: 'an operation that is not add, remove, replace, test, move or copy is refused',
    text: `${head}- conditions: {groupResource: pods}\n  patches:\n  - operation: delete\n    path: /a\n`,
    problems: [{ path: 'resourceModifierRules[0].patches[0].operation', message: /unsupported operation "delete": expected one of add, remove, replace, test, move, copy/, line: 5, column: 5 }],
  },
  {
    name: 'an operation in upper case is told to be lower-case',
    text: `${head}- conditions: {groupResource: pods}\n  patches:\n  - operation: Add\n    path: /a\n    value: x\n`,
    problems: [{ path: 'resourceModifierRules[0].patches[0].operation', message: /operation names are lower-case: write "add"/, line: 5, column: 5 }],
  },
  {
    name: 'an empty path and a path that is not a JSON pointer are both reported',
    text: `${head}- conditions: {groupResource: pods}\n  patches:\n  - operation: remove\n    path: ""\n  - operation: remove\n    path: spec/replicas\n`,
    problems: [
      { path: 'resourceModifierRules[0].patches[0].path', message: /remove needs "path"/, line: 6, column: 5 },
      { path: 'resourceModifierRules[0].patches[1].path', message: /"spec\/replicas" is not a JSON pointer: it must start with "\/"/, line: 8, column: 5 },
    ],
  },
  {
    name: 'move and copy without from are refused',
    text: `${head}- conditions: {groupResource: pods}\n  patches:\n  - operation: move\n    path: /a\n  - operation: copy\n    path: /b\n`,
    problems: [
      { path: 'resourceModifierRules[0].patches[0]', message: /move needs "from"/, line: 5, column: 5 },
      { path: 'resourceModifierRules[0].patches[1]', message: /copy needs "from"/, line: 7, column: 5 },
    ],
  },
  {
    name: 'a resourceNameRegex that does not compile is refused',
    text: `${head}- conditions:\n    groupResource: pods\n    resourceNameRegex: "^web("\n  patches: [{operation: remove, path: /a}]\n`,
    problems: [{ path: 'resourceModifierRules[0].conditions.resourceNameRegex', message: /rule 0: not a regular expression Velero accepts \(Go's RE2 syntax\): .*missing closing \)/, line: 5, column: 5 }],
  },
  {
    name: 'a resourceNameRegex with a backreference, which JavaScript accepts and RE2 does not, is refused',
    text: `${head}- conditions:\n    groupResource: pods\n    resourceNameRegex: "^(web)-\\\\1$"\n  patches: [{operation: remove, path: /a}]\n`,
    problems: [{ path: 'resourceModifierRules[0].conditions.resourceNameRegex', message: /rule 0: .*invalid escape sequence: `\\1`/, line: 5, column: 5 }],
  },
  {
    name: 'a value that starts with { but is not JSON is refused before any restore',
    text: `${head}- conditions: {groupResource: pods}\n  patches:\n  - operation: add\n    path: /a\n    value: "{name: x}"\n`,
    problems: [{ path: 'resourceModifierRules[0].patches[0].value', message: /Velero reads it as JSON, but it is not valid JSON/, line: 7, column: 5 }],
  },
  {
    name: 'a labelSelector with an unknown operator is reported at the operator',
    text: `${head}- conditions:\n    groupResource: pods\n    labelSelector:\n      matchExpressions:\n      - key: app.kubernetes.io/name\n        operator: Equals\n  patches: [{operation: remove, path: /a}]\n`,
    problems: [{ path: 'resourceModifierRules[0].conditions.labelSelector.matchExpressions[0].operator', message: /expected one of In, NotIn, Exists, DoesNotExist/, line: 8, column: 9 }],
  },
  {
    name: 'a patchData that is not a mapping and an unknown strategic directive are refused',
    text: `${head}- conditions: {groupResource: pods}\n  mergePatches:\n  - patchData: "[1, 2]"\n- conditions: {groupResource: pods}\n  strategicPatches:\n  - patchData: '{"spec": {"$patch": "remove"}}'\n`,
    problems: [
      { path: 'resourceModifierRules[0].mergePatches[0].patchData', message: /patchData must be a mapping/, line: 5, column: 5 },
      { path: 'resourceModifierRules[1].strategicPatches[0].patchData', message: /spec\.\$patch: expected replace, delete or merge, got "remove"/, line: 8, column: 5 },
    ],
  },
  {
    name: 'a rule without any patches is refused because it would change nothing',
    text: `${head}- conditions: {groupResource: pods}\n`,
    problems: [{ path: 'resourceModifierRules[0]', message: /the rule changes nothing/, line: 3, column: 3 }],
  },
  {
    name: 'every problem of every rule is reported at once',
    text: `${head}- conditions:\n    groupResource: ""\n  patches:\n  - operation: remove\n- conditions: {groupResource: "[pods"}\n  patches:\n  - {operation: flip, path: /a}\n`,
    problems: [
      { path: 'resourceModifierRules[0].conditions.groupResource', message: /groupResource is required/, line: 4, column: 5 },
      { path: 'resourceModifierRules[0].patches[0]', message: /remove needs "path"/, line: 6, column: 5 },
      { path: 'resourceModifierRules[1].conditions.groupResource', message: /"\[" without its "\]"/, line: 7, column: 16 },
      { path: 'resourceModifierRules[1].patches[0].operation', message: /unsupported operation "flip"/, line: 9, column: 6 },
    ],
  },
  {
    name: 'a ConfigMap whose data has two keys is refused, as Velero refuses it',
    text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\ndata:\n  a: "version: v1"\n  b: "version: v1"\n',
    problems: [{ path: 'data', message: /exactly one key in data, found 2 \(a, b\)/, line: 4, column: 1 }],
  },
  {
    name: 'a YAML syntax error inside a ConfigMap\'s block of rules is reported at its line in the ConfigMap',
    text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\ndata:\n  rules.yaml: |\n    version: v1\n    resourceModifierRules:\n    - conditions: {groupResource: pods\n      patches: []\n',
    problems: [{ path: 'data.rules.yaml', message: /.+/, line: 9, column: 7 }],
  },
];

describe('parseResourceModifiers problems', () => {
  it.each(cases)('$name', ({ text, problems }) => {
    const got = problemsOf(text);
    expect(got.map((p) => ({ path: p.path, line: p.line, column: p.column }))).toEqual(
      problems.map((p) => ({ path: p.path, line: p.line, column: p.column })));
    problems.forEach((p, i) => expect(got[i]!.message).toMatch(p.message));
    for (const p of got) {
      expect(p.document).toBe('rules.yaml');
      const rule = /resourceModifierRules\[(\d+)\]/.exec(p.path);
      if (rule) expect(p.message.startsWith(`rule ${rule[1]}: `), p.message).toBe(true);
    }
  });
});

describe('parseResourceModifiers', () => {
  it('reads bare YAML rules into typed conditions and operations', () => {
    const modifiers = parseResourceModifiers(`${head}- conditions:\n    groupResource: persistentvolumeclaims\n    resourceNameRegex: "^mysql.*$"\n    namespaces: [bar, foo]\n    labelSelector: {matchLabels: {foo: bar}}\n    matches: [{path: /spec/volumeMode, value: Filesystem}]\n  patches:\n  - operation: replace\n    path: /spec/storageClassName\n    value: premium\n  - operation: remove\n    path: /metadata/labels/test\n  - operation: copy\n    from: /a\n    path: /b\n`, 'pvc.yaml');
    expect(modifiers).toEqual({
      version: 'v1',
      rules: [{
        conditions: {
          groupResource: 'persistentvolumeclaims', resourceNameRegex: '^mysql.*$', namespaces: ['bar', 'foo'],
          labelSelector: { matchLabels: { foo: 'bar' } }, matches: [{ path: '/spec/volumeMode', value: 'Filesystem' }],
        },
        patches: { type: 'json', operations: [
          { op: 'replace', path: '/spec/storageClassName', value: 'premium' },
          { op: 'remove', path: '/metadata/labels/test' },
          { op: 'copy', from: '/a', path: '/b' },
        ] },
      }],
    });
  });

  it('reads a plain yes or off in a value as a boolean, as Velero\'s YAML 1.1 parser does, and a quoted one as a string', () => {
    const modifiers = parseResourceModifiers(`${head}- conditions:\n    groupResource: pods\n    matches:\n    - path: /spec/hostNetwork\n      value: off\n  patches:\n  - operation: add\n    path: /a\n    value: yes\n  - operation: add\n    path: /b\n    value: "yes"\n`, 'yaml11.yaml');
    const rule = modifiers.rules[0]!;
    expect(rule.conditions.matches).toEqual([{ path: '/spec/hostNetwork', value: false }]);
    expect(rule.patches).toEqual({ type: 'json', operations: [{ op: 'add', path: '/a', value: true }, { op: 'add', path: '/b', value: 'yes' }] });
  });

  it('reads JSON rules, and merge and strategic patch data given as YAML or JSON text', () => {
    const text = JSON.stringify({ version: 'v1', resourceModifierRules: [
      { conditions: { groupResource: 'pods' }, mergePatches: [{ patchData: 'metadata:\n  annotations:\n    foo: null\n' }] },
      { conditions: { groupResource: 'pods' }, strategicPatches: [{ patchData: '{"spec":{"containers":[{"name":"nginx","image":"repo2/nginx"}]}}' }] },
    ] });
    const modifiers = parseResourceModifiers(text, 'rules.json');
    expect(modifiers.rules.map((r) => r.patches)).toEqual([
      { type: 'merge', patches: [{ metadata: { annotations: { foo: null } } }] },
      { type: 'strategic', patches: [{ spec: { containers: [{ name: 'nginx', image: 'repo2/nginx' }] } }] },
    ]);
  });

  it('reads the rules of a ConfigMap object whatever its data key is called, and refuses one with no data', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mods', namespace: 'csdr' },
      data: { 'whatever.yml': `${head}- conditions: {groupResource: "*.apps"}\n  patches: [{operation: remove, path: /spec/x}]\n` } };
    expect(parseResourceModifiersConfigMap(cm, 'csdr/mods').rules[0]!.conditions.groupResource).toBe('*.apps');
    expect(() => parseResourceModifiersConfigMap({ ...cm, data: {} }, 'csdr/mods')).toThrow(/exactly one key in data, found 0/);
  });

  it('reports the position inside the data text when a ConfigMap read from a cluster has a wrong rule', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mods' },
      data: { m: `${head}- conditions: {groupResource: pods}\n  patches:\n  - operation: replace\n    path: /a\n    valu: 1\n` } };
    try {
      parseResourceModifiersConfigMap(cm, 'csdr/mods');
      expect.unreachable();
    } catch (err) {
      const [problem] = (err as SpecError).problems;
      expect(problem).toMatchObject({ document: 'csdr/mods', path: 'data.m.resourceModifierRules[0].patches[0].valu', line: 7, column: 5 });
      expect(problem!.message).toMatch(/unknown field "valu"/);
    }
  });
});
