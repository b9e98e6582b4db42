import { describe, expect, it } from 'vitest';
import { flag, has, parseArgs } from '../../../lib/cli/args.js';

const spec = { file: true, 'dry-run': false, output: true };
const aliases = { '-f': 'file', '-o': 'output' };

describe('parseArgs', () => {
  it.each([
    ['a long flag takes the next word as its value', ['--file', 'a.yaml'], 'file', 'a.yaml'],
    ['a long flag takes a value after an equals sign', ['--file=a.yaml'], 'file', 'a.yaml'],
    ['a short alias maps to its long name', ['-f', 'a.yaml'], 'file', 'a.yaml'],
    ['the last of a repeated flag wins', ['-o', 'yaml', '-o', 'json'], 'output', 'json'],
  ])('%s', (_name, argv, name, value) => {
    expect(flag(parseArgs(argv, spec, aliases), name)).toBe(value);
  });

  it('a switch is present without a value and positional words are kept in order', () => {
    const args = parseArgs(['in1', '--dry-run', 'in2'], spec, aliases);
    expect(has(args, 'dry-run')).toBe(true);
    expect(args.positional).toEqual(['in1', 'in2']);
  });

  it.each([
    ['an unknown option is refused', ['--force'], /unknown option --force/],
    ['a flag without its value is refused', ['--file'], /needs a value/],
    ['a switch with a value is refused', ['--dry-run=yes'], /takes no value/],
  ])('%s', (_name, argv, message) => {
    expect(() => parseArgs(argv, spec, aliases)).toThrow(message);
  });
});
