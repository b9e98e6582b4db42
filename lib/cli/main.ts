import { readdir, readFile, stat } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { didYouMean } from './args.js';
import { debugText, EXIT, EXIT_CODES_HELP } from './exit-codes.js';
import type { CliIo, Command } from './io.js';
import { oneLine, printable } from './printable.js';

/** Each subcommand lives in its own module, loaded only when it runs. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  backup: { summary: 'back up cluster resources into a storage location (-f spec.yaml)', load: async () => (await import('./backup.js')).run },
  backups: { summary: 'list, describe, verify, delete backups and print their logs', load: async () => (await import('./backups.js')).run },
  transform: { summary: 'preview a restore offline: transform manifests or a backup tarball', load: async () => (await import('./transform.js')).run },
  restore: { summary: 'restore a backup into a target cluster (-f restore.yaml [--dry-run])', load: async () => (await import('./restore.js')).run },
  restores: { summary: 'list restores and describe a stored restore result', load: async () => (await import('./restores.js')).run },
  schedules: { summary: 'list and describe backup schedules: next runs, last backup, its phase', load: async () => (await import('./schedules.js')).run },
  version: { summary: 'print Ferry\'s version (also --version)', load: async () => (await import('./version.js')).run },
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
    ...(process.stdout.isTTY ? { columns: process.stdout.columns } : {}),
    onSignal: watchSignals,
  };
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The first stop signal goes to `handler`; a second ends the process with the shell's code for it (128 + its number). */
function watchSignals(handler: (signal: string) => void): () => void {
  let seen = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (seen) process.exit(128 + (osConstants.signals[signal] ?? 0));
    seen = true;
    handler(signal);
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  return () => { for (const s of STOP_SIGNALS) process.off(s, onSignal); };
}

/**
 * The io every command gets: what it prints has its control characters escaped (a backup's or a cluster's strings
 * cannot drive the terminal), and only the status line's own redraw writes a control sequence.
 */
export function safeIo(io: CliIo): CliIo {
  return {
    ...io,
    stdout: (text) => io.stdout(printable(text)),
    stderr: (text) => io.stderr(printable(text)),
    redraw: (text) => io.stderr(`\r\x1b[K${oneLine(text)}`),
  };
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return ['usage: ferry <command> [options]', '', 'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '', 'Run `ferry <command> --help` for a command\'s options. -f/--filename names a spec file, -o json|yaml prints',
    'what a read verb shows as data, and -o wide adds table columns. FERRY_DEBUG=1 prints the stack of an error.', '',
    EXIT_CODES_HELP].join('\n');
}

/** Runs `ferry` with its arguments; returns the exit code (see exit-codes.ts). */
export async function main(argv: string[], rawIo: CliIo = processIo()): Promise<number> {
  const io = safeIo(rawIo);
  const [first, ...rest] = argv;
  if (!first || first === '--help' || first === '-h' || (first === 'help' && rest.length === 0)) {
    io.stdout(usage());
    return first ? EXIT.ok : EXIT.usage;
  }
  const name = first === '--version' ? 'version' : first === 'help' ? rest[0]! : first;
  const args = first === 'help' ? ['--help'] : rest;
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`ferry: unknown command "${name}"${didYouMean(name, Object.keys(COMMANDS))}\n\nRun \`ferry --help\` for the commands.\n`);
    return EXIT.usage;
  }
  try {
    return await (await command.load())(args, io);
  } catch (err) {
    const { exitCodeOf } = await import('./error-exit.js');
    const code = exitCodeOf(err);
    const message = (err as Error)?.message ?? String(err);
    io.stderr(code === EXIT.internal
      ? `ferry ${name}: internal error: ${message}\n${io.env.FERRY_DEBUG === '1' ? '' : 'Run again with FERRY_DEBUG=1 for its stack, and please report it.\n'}`
      : `ferry ${name}: ${message}\n`);
    if (io.env.FERRY_DEBUG === '1') io.stderr(debugText(err));
    return code;
  }
}
