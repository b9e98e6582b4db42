// An io for the `ferry` command in integration tests: the real files, the stack's environment and config, and
// what the command prints recorded.
import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CliIo } from '../../lib/cli/io.js';
import { stackDir, stackEnv } from './stack.js';

/** A CliIo over the stack's config, working in `cwd`, that records stdout and stderr in `out` and `err`. */
export function stackCliIo(cwd: string, interactive = false): CliIo & { out: string; err: string } {
  const io = {
    out: '', err: '',
    stdout(text: string) { io.out += text; },
    stderr(text: string) { io.err += text; },
    readFile: async (path: string) => readFileSync(path),
    readDir: async (path: string) => ((await stat(path).catch(() => undefined))?.isDirectory() ? readdir(path) : undefined),
    env: { ...process.env, ...stackEnv(), FERRY_CONFIG: join(stackDir(), 'ferry.yaml') },
    cwd,
    interactive,
  };
  return io;
}
