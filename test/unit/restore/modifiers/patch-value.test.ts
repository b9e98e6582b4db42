import { describe, expect, it } from 'vitest';
import { typeVeleroValue } from '../../../../lib/restore/modifiers/index.js';

describe('typeVeleroValue', () => {
  it.each([
    ['a missing value is the empty string, as Velero sends it', undefined, ''],
    ['the empty string stays a string', '', ''],
    ['"3" is the number 3', '3', 3],
    ['"-2.5e3" is a number in exponent form', '-2.5e3', -2500],
    ['a number too large for a float stays the text Velero quotes', '1e400', '1e400'],
    ['"true" is the boolean true', 'true', true],
    ['"FALSE" is the boolean false, whatever its case', 'FALSE', false],
    ['"null" is JSON null', 'null', null],
    ['a value in escaped quotes is the string inside them', '"true"', 'true'],
    ['escaped quotes keep a number as a string', '"3"', '3'],
    ['a JSON object is an object', '{"name": "nginx", "ports": [{"containerPort": 80}]}', { name: 'nginx', ports: [{ containerPort: 80 }] }],
    ['a JSON list is a list', '["a", 1]', ['a', 1]],
    ['any other text is a string', 'premium', 'premium'],
    ['text that only starts like a number is a string', '3Gi', '3Gi'],
    ['a YAML number is that number', 7, 7],
    ['a YAML boolean is that boolean', false, false],
    ['an explicit YAML null is JSON null', null, null],
    ['a YAML mapping is taken as the object it is', { a: { b: 1 } }, { a: { b: 1 } }],
  ])('%s', (_name, raw, expected) => {
    expect(typeVeleroValue(raw)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['text starting with { that is not JSON', '{name: x}', /Velero reads it as JSON, but it is not valid JSON/],
    ['Inf, which Go reads as a number but JSON cannot hold', 'Inf', /cannot be written in JSON; quote it as "\\"Inf\\""/],
    ['a hexadecimal float', '0x1p-2', /cannot be written in JSON/],
  ])('refuses %s with a message saying what to write', (_name, raw, message) => {
    const typed = typeVeleroValue(raw);
    expect(typed.ok).toBe(false);
    if (!typed.ok) expect(typed.message).toMatch(message);
  });
});
