// An io for the `ferry` command in integration tests: the real files, the stack's environment and config, and
// what the command prints recorded; and the command's main as the user runs it, from its bundle.
import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cliBundle } from '../../bin/cli-bundle.js';
import type { CliIo } from '../../lib/cli/io.js';
import type { main } from '../../lib/cli/main.js';
import { stackDir, stackEnv } from './stack.js';

/**
 * The `ferry` command's main from the esbuild bundle bin/ferry.js runs (built first when missing or stale), so a
 * test drives the code the user runs; Node loads it itself (vitest.config.ts keeps dist/cli out of its transform).
 */
export async function bundledMain(): Promise<typeof main> {
  const bundle = (await import(pathToFileURL(await cliBundle()).href)) as { main: typeof main };
  return bundle.main;
}

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
