import { describe, expect, it } from 'vitest';
import { parseResourceModifiersConfigMap } from '../../../lib/restore/modifiers/index.js';
import { MAX_SPEC_BYTES, parseDocuments } from '../../../lib/spec/documents.js';
import { SpecError } from '../../../lib/spec/problems.js';
import { parseRestoreSpecText } from '../../../lib/spec/restore-spec.js';

function problemsOf(run: () => unknown): string[] {
  try {
    run();
    return [];
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    return err.problems.map((p) => `${p.document}:${p.line ?? ''}:${p.column ?? ''} ${p.message}`);
  }
}

const restoreWith = (mapping: string) => `apiVersion: ferry.dev/v1\nkind: ApplicationRestore\nmetadata: {name: r}\nspec:\n  backupName: b\n  namespaceMapping:\n${mapping}\n`;

describe('parseDocuments', () => {
  it.each([
    ['a key given twice at the top', 'a: 1\nb: 2\na: 3\n', ['x.yaml:3:1 Map keys must be unique: "a" is given twice']],
    ['a key given twice in a nested map', 'spec:\n  m:\n    k: 1\n    k: 2\n', ['x.yaml:4:5 Map keys must be unique: "k" is given twice']],
    ['a key given twice in a flow map inside a list', 'l:\n- {k: 1, k: 2}\n', ['x.yaml:2:10 Map keys must be unique: "k" is given twice']],
  ])('refuses %s, naming the line', (_case, text, expected) => {
    expect(problemsOf(() => parseDocuments(text, 'x.yaml'))).toEqual(expected);
  });

  it('accepts the same key in different maps', () => {
    expect(parseDocuments('a: {k: 1}\nb: {k: 2}\n', 'x.yaml')[0]!.value).toEqual({ a: { k: 1 }, b: { k: 2 } });
  });

  it('reads a spec of 20,000 map keys whole, and names the line of each bad one', () => {
    const n = 20_000;
    const spec = parseRestoreSpecText(restoreWith(Array.from({ length: n }, (_, i) => `    ns-${i}: to-${i}`).join('\n')), 'r.yaml');
    expect(Object.keys(spec.namespaceMapping)).toHaveLength(n);
    const problems = problemsOf(() => parseRestoreSpecText(restoreWith(Array.from({ length: n }, (_, i) => `    ns-${i}: To_${i}`).join('\n')), 'r.yaml'));
    expect(problems).toHaveLength(n);
    expect(problems[n - 1]).toMatch(/^r\.yaml:20006:5 expected a namespace name .*"To_19999"/);
    // A generous bound for a loaded machine: the parse is linear (about a second here); the quadratic one took minutes.
  }, 60_000);

  it('refuses a spec over the size limit before parsing it, saying how large it is', () => {
    const text = restoreWith(`    a: b\n#${'x'.repeat(MAX_SPEC_BYTES)}`);
    expect(problemsOf(() => parseRestoreSpecText(text, 'big.yaml'))).toEqual([expect.stringMatching(/^big\.yaml:: is \d+ bytes, more than the 3145728 bytes Ferry reads of one/)]);
  });

  it('refuses a modifier ConfigMap from a cluster holding more than 1 MiB of rules', () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' }, data: { rules: `version: v1\n#${'x'.repeat(1024 * 1024)}` } };
    expect(problemsOf(() => parseResourceModifiersConfigMap(configMap, 'ConfigMap csdr/m'))).toEqual([expect.stringMatching(/ConfigMap csdr\/m:: is \d+ bytes, more than the 1048576/)]);
  });
});
