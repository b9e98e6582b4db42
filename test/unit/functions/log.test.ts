import { describe, expect, it } from 'vitest';
import { createLogger, parseLogLevel } from '../../../functions/log.js';
import { Redactor } from '../../../lib/kube/credentials/redact.js';

const clock = () => new Date('2024-01-02T03:04:05Z');

describe('createLogger', () => {
  it('writes one JSON object per line with level, time and message first, then the child\'s and the call\'s fields', () => {
    const lines: string[] = [];
    createLogger({ clock, write: (l) => lines.push(l) }, { function: 'backup' }).child({ requestId: 'r-1' }).info('started', { items: 3 });
    expect(lines).toEqual(['{"level":"info","time":"2024-01-02T03:04:05.000Z","msg":"started","function":"backup","requestId":"r-1","items":3}']);
  });

  it.each([
    ['info drops debug', 'info', ['info', 'warn', 'error']],
    ['warn drops debug and info', 'warn', ['warn', 'error']],
    ['debug keeps everything', 'debug', ['debug', 'info', 'warn', 'error']],
  ] as const)('filters by level: %s', (_case, level, kept) => {
    const lines: string[] = [];
    const log = createLogger({ level, clock, write: (l) => lines.push(l) });
    log.debug('d'); log.info('i'); log.warn('w'); log.error('e');
    expect(lines.map((l) => (JSON.parse(l) as { level: string }).level)).toEqual(kept);
  });

  it('masks credentials in the message and in fields', () => {
    const lines: string[] = [];
    const redactor = new Redactor().add('registered-secret-1');
    createLogger({ clock, redactor, write: (l) => lines.push(l) }).warn('token registered-secret-1 refused', { headers: { Authorization: 'Bearer x.y' }, url: 'https://sts/?X-Amz-Signature=abcdef' });
    expect(lines[0]).not.toMatch(/registered-secret-1|x\.y|abcdef/);
  });

  it('keeps its level, time and message when a field has the same name', () => {
    const lines: string[] = [];
    createLogger({ clock, write: (l) => lines.push(l) }).info('real', { msg: 'fake', level: 'error' });
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', msg: 'real' });
  });

  it.each([['DEBUG', 'debug'], ['warn', 'warn'], [undefined, 'info'], ['verbose', 'info']])('reads the level "%s" as %s', (text, level) => {
    expect(parseLogLevel(text)).toBe(level);
  });
});
