import { readdir, readFile, stat } from 'node:fs/promises';
import type { CliIo, Command } from './io.js';

/** Each subcommand lives in its own module, loaded only when it runs. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  backup: { summary: 'back up cluster resources into a storage location (-f spec.yaml)', load: async () => (await import('./backup.js')).run },
  backups: { summary: 'list, describe and verify backups in a storage location', load: async () => (await import('./backups.js')).run },
  transform: { summary: 'preview a restore offline: transform manifests or a backup tarball', load: async () => (await import('./transform.js')).run },
  restore: { summary: 'restore a backup into a target cluster (-f restore.yaml [--dry-run])', load: async () => (await import('./restore.js')).run },
  restores: { summary: 'describe a stored restore result', load: async () => (await import('./restores.js')).run },
};

/** The process's own io: real files, real streams, real environment. */
export function processIo(): CliIo {
  return {
    stdout: (text) => { process.stdout.write(text); },
    stderr: (text) => { process.stderr.write(text); },
    readFile: (path) => readFile(path),
    readDir: async (path) => ((await stat(path).catch(() => undefined))?.isDirectory() ? readdir(path) : undefined),
    env: process.env,
    cwd: process.cwd(),
    interactive: Boolean(process.stderr.isTTY),
  };
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return ['usage: ferry <command> [options]', '', 'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '', 'Run `ferry <command> --help` for a command\'s options.', ''].join('\n');
}

/** Runs `ferry` with its arguments; returns the exit code (0 ok, 1 some objects failed, 2 bad input). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`ferry: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load())(rest, io);
  } catch (err) {
    io.stderr(`ferry ${name}: ${(err as Error).message}\n`);
    return 2;
  }
}
