import { describe, expect, it } from 'vitest';
import {
  cpuSecondsFromStat, createdBySummary, fixed, itemsBySummary, markdownTable, median, medianTiming, parseTimeOutput, rate, ratio, roundOrder, veleroProgress,
} from '../../../bench/measure.js';

describe('bench arithmetic', () => {
  it.each([
    ['the middle value of an odd count, whatever the order', [3, 1, 2], 2],
    ['the mean of the two middle values of an even count', [4, 1, 3, 2], 2.5],
    ['the one value of a single run', [7.5], 7.5],
    ['NaN for no runs at all', [], Number.NaN],
  ])('median: %s', (_name, xs, expected) => {
    expect(median(xs)).toEqual(expected);
  });

  it.each([
    ['objects over seconds', () => rate(10_000, 20), 500],
    ['NaN rather than Infinity when no time passed', () => rate(10, 0), Number.NaN],
    ['a ratio of rates that is the reference\'s time over the contender\'s', () => ratio(50, 40), 0.8],
    ['a ratio above 1 when the contender is the faster', () => ratio(10, 30), 3],
  ])('rates: %s', (_name, compute, expected) => {
    expect(compute()).toEqual(expected);
  });

  it.each([
    ['the first contender leads in the first round', 0, ['a', 'b']],
    ['the second contender leads in the second round', 1, ['b', 'a']],
    ['the first leads again in the third round', 2, ['a', 'b']],
  ])('round order: %s', (_name, round, expected) => {
    expect(roundOrder(round, ['a', 'b'])).toEqual(expected);
  });

  it('medianTiming takes each field\'s median on its own and leaves out CPU fields no run knew', () => {
    expect(medianTiming([{ seconds: 3, cpuSeconds: 1 }, { seconds: 1, cpuSeconds: 5 }, { seconds: 2, cpuSeconds: 2 }])).toEqual({ seconds: 2, cpuSeconds: 2 });
  });

  it.each([
    ['a number with the decimals asked for', 1.256, 2, '1.26'],
    ['a dash for an unknown number', undefined, 1, '-'],
    ['a dash for NaN', Number.NaN, 0, '-'],
  ])('fixed: %s', (_name, n, digits, expected) => {
    expect(fixed(n, digits)).toBe(expected);
  });
});

describe('bench parsing', () => {
  it.each([
    ['wall and user plus system seconds from the one line GNU time writes', '12.34 3.50 0.25\n', { wallSeconds: 12.34, cpuSeconds: 3.75 }],
    ['the last line when GNU time notes a failed command first', 'Command exited with non-zero status 1\n0.52 0.40 0.05\n', { wallSeconds: 0.52, cpuSeconds: 0.45 }],
  ])('parseTimeOutput reads %s', (_name, text, expected) => {
    const got = parseTimeOutput(text);
    expect(got.wallSeconds).toBeCloseTo(expected.wallSeconds, 6);
    expect(got.cpuSeconds).toBeCloseTo(expected.cpuSeconds, 6);
  });

  it.each([
    ['an empty file', ''],
    ['a line with two fields', '1.0 2.0'],
    ['a line that is not numbers', 'Command terminated by signal 9'],
  ])('parseTimeOutput refuses %s, quoting it', (_name, text) => {
    expect(() => parseTimeOutput(text)).toThrow(/GNU time's output/);
  });

  it('cpuSecondsFromStat adds utime and stime, counting fields after a command name that holds spaces and parentheses', () => {
    const rest = ['S', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '250', '50', '0', '0'].join(' ');
    expect(cpuSecondsFromStat(`4242 (kube (api) server) ${rest}`, 100)).toBe(3);
  });

  it('cpuSecondsFromStat refuses a line without a command name', () => {
    expect(() => cpuSecondsFromStat('garbage', 100)).toThrow(/not a \/proc/);
  });

  it.each([
    ['the created count of ferry restore\'s summary', () => createdBySummary('restore r of backup b: Completed\n  objects: 10020 (10020 created, 0 updated, 0 unchanged, 0 skipped, 0 failed)\n'), 10020],
    ['the items of ferry backup\'s summary', () => itemsBySummary('backup b: Completed\n  items:    10020 (9.1 MiB compressed)\n'), 10020],
    ['a Velero backup\'s items backed up', () => veleroProgress('{"kind":"Backup","status":{"phase":"Completed","progress":{"totalItems":5,"itemsBackedUp":5}}}').items, 5],
    ['a Velero restore\'s items restored', () => veleroProgress('{"kind":"Restore","status":{"phase":"Completed","progress":{"totalItems":7,"itemsRestored":7}}}').items, 7],
  ])('reads %s', (_name, read, expected) => {
    expect(read()).toBe(expected);
  });

  it.each([
    ['a restore summary without its objects line', () => createdBySummary('restore r: Failed\n'), /objects: N/],
    ['a backup summary without its items line', () => itemsBySummary('backup b: Failed\n'), /items: N/],
    ['a Velero object without a phase', () => veleroProgress('{"kind":"Restore","status":{}}'), /no status.phase in Velero's Restore/],
  ])('refuses %s', (_name, read, message) => {
    expect(read).toThrow(message);
  });

  it('markdownTable right-aligns every column but the first and refuses a row of the wrong width', () => {
    expect(markdownTable(['tool', 's'], [['ferry', '1.0']])).toBe('| tool | s |\n| --- | ---: |\n| ferry | 1.0 |');
    expect(() => markdownTable(['tool', 's'], [['ferry']])).toThrow(/1 cells for 2 columns/);
  });
});
