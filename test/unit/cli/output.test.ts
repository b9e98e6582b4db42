import { describe, expect, it } from 'vitest';
import { didYouMean } from '../../../lib/cli/args.js';
import { oneLine, plural, printable, table } from '../../../lib/cli/output.js';

describe('printable and oneLine', () => {
  it.each([
    ['an escape sequence that would clear the screen is shown, not sent', 'a\x1b[2Jb', 'a\\x1b[2Jb', 'a\\x1b[2Jb'],
    ['a carriage return that would overwrite the line is shown', 'ok\rALL GOOD', 'ok\\x0dALL GOOD', 'ok\\x0dALL GOOD'],
    ['C1 controls and bidi overrides are shown', 'x\u009b31my\u202ez', 'x\\x9b31my\\u202ez', 'x\\x9b31my\\u202ez'],
    ['newlines and tabs pass in text but not in one line', 'a\nb\tc', 'a\nb\tc', 'a\\x0ab\\x09c'],
    ['plain text and non-Latin letters are left as they are', 'déjà vu 日本', 'déjà vu 日本', 'déjà vu 日本'],
  ])('%s', (_case, input, text, line) => {
    expect(printable(input)).toBe(text);
    expect(oneLine(input)).toBe(line);
  });
});

describe('plural', () => {
  it.each([[0, '0 items'], [1, '1 item'], [2, '2 items']])('counts %i as "%s"', (n, words) => {
    expect(plural(n, 'item')).toBe(words);
  });
});

describe('table', () => {
  const rows = [['NAME', 'PHASE', 'PROBLEM'], ['nightly-20261204030000', 'Completed', 'the tarball has an entry that is far too long to print in full']];

  it('pads columns two spaces apart and leaves the last column unpadded', () => {
    expect(table([['A', 'B'], ['long', 'x']])).toBe('A     B\nlong  x\n');
  });

  it('cuts the widest cells to fit the width, marking the cut', () => {
    const out = table(rows, 60);
    expect(Math.max(...out.trimEnd().split('\n').map((l) => l.length))).toBeLessThanOrEqual(60);
    expect(out).toContain('…');
    expect(out).toContain('nightly-20261204030000');
  });

  it('keeps the first column whole while the others can give room, and cuts it only when they cannot', () => {
    const long = [['NAME', 'PHASE', 'AGE'], ['a-backup-name-that-is-long-20261205', 'PartiallyFailed', '3d']];
    expect(table(long, 50)).toBe('NAME                                 PHASE     AGE\na-backup-name-that-is-long-20261205  Partial…  3d\n');
    expect(table(long, 30).split('\n')[1]).toBe('a-backup-name-…  Partial…  3d');
  });

  it('shows control characters in cells escaped', () => {
    expect(table([['N'], ['a\x1b[31m']])).toBe('N\na\\x1b[31m\n');
  });
});

describe('didYouMean', () => {
  it.each([
    ['a swapped pair of letters', 'bakcup', ['backup', 'backups', 'restore'], ' (did you mean backup or backups?)'],
    ['a missing letter in a flag', '--filenme', ['--filename', '--config'], ' (did you mean --filename?)'],
    ['the start of a word', 'sched', ['schedules', 'restore'], ' (did you mean schedules?)'],
    ['nothing close', 'zzz', ['backup', 'restore'], ''],
  ])('suggests for %s', (_case, word, candidates, text) => {
    expect(didYouMean(word, candidates)).toBe(text);
  });
});
