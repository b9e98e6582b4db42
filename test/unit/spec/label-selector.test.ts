import { describe, expect, it } from 'vitest';
import { formatLabelSelector, matchesLabelSelector, parseLabelSelector, type LabelSelector } from '../../../lib/spec/label-selector.js';
import { ProblemCollector } from '../../../lib/spec/problems.js';

const labels = { app: 'nginx', tier: 'web' };

describe('matchesLabelSelector', () => {
  it.each<[string, LabelSelector, boolean]>([
    ['an empty selector matches every object', {}, true],
    ['matchLabels matches when every label is equal', { matchLabels: { app: 'nginx' } }, true],
    ['matchLabels fails when one label differs', { matchLabels: { app: 'nginx', tier: 'db' } }, false],
    ['In matches a value in the list', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'db'] }] }, true],
    ['In fails when the label is missing', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, false],
    ['NotIn matches when the label is missing', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    ['NotIn fails on a listed value', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['nginx'] }] }, false],
    ['Exists matches a present key', { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, true],
    ['DoesNotExist fails on a present key', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, false],
    ['matchLabels and matchExpressions must both hold', { matchLabels: { app: 'nginx' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }] }, false],
  ])('%s', (_name, selector, expected) => {
    expect(matchesLabelSelector(selector, labels)).toBe(expected);
  });

  it('formats every operator in the API server query syntax', () => {
    expect(formatLabelSelector({
      matchLabels: { app: 'nginx' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['web', 'db'] }, { key: 'zone', operator: 'NotIn', values: ['a'] },
        { key: 'x', operator: 'Exists' }, { key: 'y', operator: 'DoesNotExist' },
      ],
    })).toBe('app=nginx,tier in (db,web),zone notin (a),x,!y');
  });
});

describe('parseLabelSelector', () => {
  it.each([
    ['an unknown operator names the field and the value', { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['b'] }] }, 'spec.labelSelector.matchExpressions[0].operator'],
    ['In without values is an error', { matchExpressions: [{ key: 'a', operator: 'In' }] }, 'spec.labelSelector.matchExpressions[0].values'],
    ['Exists with values is an error', { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['b'] }] }, 'spec.labelSelector.matchExpressions[0].values'],
    ['a non-string label value is an error', { matchLabels: { a: 1 } }, 'spec.labelSelector.matchLabels.a'],
    ['an unknown field is an error', { matchLabel: { a: 'b' } }, 'spec.labelSelector.matchLabel'],
  ])('%s', (_name, value, path) => {
    const problems = new ProblemCollector('backup.yaml');
    parseLabelSelector(value, 'spec.labelSelector', problems);
    expect(problems.problems.map((p) => p.path)).toContain(path);
  });

  it.each([
    ['a key with a space and "!" (the API server refuses it)', { matchLabels: { 'bad key!': 'v' } }, 'spec.labelSelector.matchLabels.bad key!', /expected a key of at most 63 characters.*got "bad key!"/],
    ['a value with spaces', { matchLabels: { app: 'v a l' } }, 'spec.labelSelector.matchLabels.app', /expected a label value .*got "v a l"/],
    ['a value of 64 characters', { matchLabels: { app: 'a'.repeat(64) } }, 'spec.labelSelector.matchLabels.app', /expected a label value/],
    ['a key whose prefix is not a DNS subdomain', { matchLabels: { 'Example.COM/app': 'x' } }, 'spec.labelSelector.matchLabels.Example.COM/app', /prefix "Example.COM" to be a DNS subdomain/],
    ['an expression key with a space', { matchExpressions: [{ key: 'a b', operator: 'Exists' }] }, 'spec.labelSelector.matchExpressions[0].key', /expected a key/],
    ['an expression value ending in "-"', { matchExpressions: [{ key: 'a', operator: 'In', values: ['ok', 'bad-'] }] }, 'spec.labelSelector.matchExpressions[0].values[1]', /expected a label value .*"bad-"/],
  ])('refuses %s as the API server would', (_name, value, path, message) => {
    const problems = new ProblemCollector('backup.yaml');
    parseLabelSelector(value, 'spec.labelSelector', problems);
    expect(problems.problems).toEqual([expect.objectContaining({ path, message: expect.stringMatching(message) as string })]);
  });

  it.each([
    ['a prefixed key and an empty value', { matchLabels: { 'app.kubernetes.io/name': '' } }],
    ['dots, dashes and underscores inside', { matchLabels: { 'a.b-c_d': 'x.y-z_1' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['Web_1'] }] }],
  ])('accepts %s', (_name, value) => {
    const problems = new ProblemCollector('backup.yaml');
    parseLabelSelector(value, 'spec.labelSelector', problems);
    expect(problems.problems).toEqual([]);
  });

  it('a valid selector parses without problems', () => {
    const problems = new ProblemCollector('backup.yaml');
    expect(parseLabelSelector({ matchLabels: { app: 'nginx' } }, 'spec.labelSelector', problems)).toEqual({ matchLabels: { app: 'nginx' } });
    expect(problems.problems).toEqual([]);
  });
});
