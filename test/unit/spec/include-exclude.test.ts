import { describe, expect, it } from 'vitest';
import { namespaceFilter, resourceFilter } from '../../../lib/spec/include-exclude.js';

describe('namespaceFilter', () => {
  it.each<[string, string[], string[], string, boolean]>([
    ['no includes means every namespace', [], [], 'default', true],
    ['a star include means every namespace', ['*'], [], 'kube-system', true],
    ['a listed namespace is included', ['default'], [], 'default', true],
    ['an unlisted namespace is not included', ['default'], [], 'prod', false],
    ['a glob include matches by pattern', ['app-*'], [], 'app-1', true],
    ['an exclude wins over a star include', ['*'], ['kube-*'], 'kube-system', false],
    ['an exclude wins over the same include', ['default'], ['default'], 'default', false],
  ])('%s', (_name, inc, exc, ns, expected) => {
    expect(namespaceFilter(inc, exc)(ns)).toBe(expected);
  });
});

describe('resourceFilter', () => {
  it.each<[string, string[], string[], string, boolean]>([
    ['no includes means every resource', [], [], 'deployments.apps', true],
    ['a bare resource name matches it in its group', ['deployments'], [], 'deployments.apps', true],
    ['a qualified name matches exactly', ['deployments.apps'], [], 'deployments.apps', true],
    ['a qualified name does not match another group', ['deployments.extensions'], [], 'deployments.apps', false],
    ['a core resource matches its bare name', ['configmaps'], [], 'configmaps', true],
    ['an exclude wins over a star include', ['*'], ['secrets'], 'secrets', false],
    ['names are matched case-insensitively', ['ConfigMaps'], [], 'configmaps', true],
  ])('%s', (_name, inc, exc, gr, expected) => {
    expect(resourceFilter(inc, exc)(gr)).toBe(expected);
  });
});
