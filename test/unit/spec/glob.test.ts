import { describe, expect, it } from 'vitest';
import { checkGlob, compileGlob } from '../../../lib/spec/glob.js';

describe('compileGlob', () => {
  it.each([
    ['a star matches any namespace', '*', {}, 'default', true],
    ['a prefix star matches names that start with the prefix', 'app-*', {}, 'app-web', true],
    ['a prefix star does not match other names', 'app-*', {}, 'web-app', false],
    ['a question mark matches exactly one character', 'ns?', {}, 'ns1', true],
    ['a question mark does not match two characters', 'ns?', {}, 'ns12', false],
    ['a class matches one of its characters', 'ns[abc]', {}, 'nsb', true],
    ['a negated class refuses its characters', 'ns[!abc]', {}, 'nsb', false],
    ['a range class matches inside the range', 'ns[0-9]', {}, 'ns7', true],
    ['alternatives match either word', '{prod,stage}-db', {}, 'stage-db', true],
    ['alternatives match nothing else', '{prod,stage}-db', {}, 'dev-db', false],
    ['with a dot separator a star does not cross a dot', '*', { separator: '.' }, 'deployments.apps', false],
    ['with a dot separator a star matches a core resource', '*', { separator: '.' }, 'configmaps', true],
    ['with a dot separator a star before a group matches that group', '*.apps', { separator: '.' }, 'deployments.apps', true],
    ['with a dot separator a double star crosses dots', '**', { separator: '.' }, 'ingresses.networking.k8s.io', true],
    ['a literal dot is not a wildcard', 'a.b', {}, 'axb', false],
    ['an escaped star is a literal star', 'a\\*', {}, 'a*', true],
    ['many stars against a long value that almost matches finish (RE2, not a backtracking RegExp) and do not match', '*a*a*a*a*a*a*a*b', {}, 'a'.repeat(5000), false],
  ])('%s', (_name, pattern, options, value, expected) => {
    expect(compileGlob(pattern, options).test(value)).toBe(expected);
  });

  it.each([
    ['an unclosed class is reported', 'ns[abc', /without its "\]"/],
    ['an unclosed alternative is reported', '{a,b', /without its "}"/],
    ['a trailing backslash is reported', 'a\\', /lone/],
    ['a class range written backwards is reported with RE2\'s reason', 'ns[z-a]', /not a valid glob: .*invalid character class range/],
  ])('%s', (_name, pattern, message) => {
    expect(checkGlob(pattern)).toMatch(message);
  });
});
