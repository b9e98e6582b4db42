import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../lib/cli/io.js';
import { main } from '../../../lib/cli/main.js';

function recordingIo(env: Record<string, string> = {}): CliIo & { out: string; err: string } {
  const io = {
    out: '', err: '',
    stdout(text: string) { io.out += text; },
    stderr(text: string) { io.err += text; },
    readFile: async (path: string) => {
      // A file whose bytes cannot be read as text: a bug's stand-in, a TypeError thrown where none is expected.
      if (path.endsWith('crash.yaml')) return { toString: () => { throw new TypeError('Cannot read properties of undefined'); } } as unknown as Buffer;
      throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    },
    readDir: async () => undefined, env, cwd: '/nowhere', interactive: false,
  };
  return io;
}

describe('ferry', () => {
  it('lists its commands and its exit codes in --help', async () => {
    const io = recordingIo();
    expect(await main(['--help'], io)).toBe(0);
    for (const c of ['backup', 'backups', 'restore', 'restores', 'schedules', 'transform', 'version']) expect(io.out).toMatch(new RegExp(`\\n  ${c} +`));
    expect(io.out).toMatch(/exit codes:\n  0 .*\n  1 .*\n  2 .*\n  3 .*\n  4 .*FERRY_DEBUG=1/);
  });

  it.each([['--version'], ['version']])('prints its version with %s', async (arg) => {
    const io = recordingIo();
    expect(await main([arg], io)).toBe(0);
    expect(io.out).toMatch(/^ferry \d+\.\d+\.\d+ \(node v\d+/);
  });

  it('suggests the command a typo meant, exiting 2', async () => {
    const io = recordingIo();
    expect(await main(['restor'], io)).toBe(2);
    expect(io.err).toMatch(/^ferry: unknown command "restor" \(did you mean restore or restores\?\)/);
  });

  it('shows a command\'s help with `ferry help <command>`', async () => {
    const io = recordingIo();
    expect(await main(['help', 'schedules'], io)).toBe(0);
    expect(io.out).toMatch(/^usage: ferry schedules list/);
  });

  it('suggests the flag a typo meant', async () => {
    const io = recordingIo();
    expect(await main(['backup', '--filname', 'x.yaml'], io)).toBe(2);
    expect(io.err).toMatch(/unknown option --filname \(did you mean --filename/);
  });

  it('names an unreadable spec as bad input (exit 2)', async () => {
    const io = recordingIo();
    expect(await main(['restore', '--file', 'missing.yaml', '--cluster', 't'], io)).toBe(2);
    expect(io.err).toBe('ferry restore: cannot read missing.yaml: ENOENT\n');
  });

  it('ends on an internal error with exit 4, says how to see its stack, and prints it with FERRY_DEBUG=1', async () => {
    const io = recordingIo();
    expect(await main(['backup', '-f', 'crash.yaml'], io)).toBe(4);
    expect(io.err).toMatch(/^ferry backup: internal error: Cannot read properties of undefined\nRun again with FERRY_DEBUG=1/);
    const debug = recordingIo({ FERRY_DEBUG: '1' });
    expect(await main(['backup', '-f', 'crash.yaml'], debug)).toBe(4);
    expect(debug.err).toMatch(/TypeError: Cannot read properties of undefined\n\s+at /);
  });
});
