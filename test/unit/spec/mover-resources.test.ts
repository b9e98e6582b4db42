import { describe, expect, it } from 'vitest';
import { quantityValue } from '../../../lib/spec/mover-resources.js';

describe('quantityValue', () => {
  it.each([
    ['millicores', '500m', 0.5],
    ['whole cores', '2', 2],
    ['a decimal', '1.5', 1.5],
    ['binary suffixes', '512Mi', 512 * 2 ** 20],
    ['decimal suffixes', '1G', 1e9],
    ['an exponent', '1e3', 1000],
    ['something that is not a quantity, as NaN', 'half', Number.NaN],
  ])('reads %s', (_name, text, value) => {
    expect(quantityValue(text)).toBe(value);
  });
});
