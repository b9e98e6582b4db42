/**
 * The `ferry` command's exit codes, documented in `ferry --help` and the README. This module imports nothing, so
 * `ferry --help` does not load the services; error-exit.ts maps errors to codes when a command fails.
 */

/** Exit codes. */
export const EXIT = {
  /** Done, and clean. */
  ok: 0,
  /** Done, with failures: objects that failed, a backup PartiallyFailed or Failed, a backup verified unsound. */
  failed: 1,
  /** Bad input or refused: nothing was done (a spec with problems, an unknown name, a taken name, a mistyped command). */
  usage: 2,
  /** A cluster or the bucket could not be reached, did not answer in time, or failed a request. */
  unreachable: 3,
  /** An error in Ferry itself; FERRY_DEBUG=1 prints its stack. */
  internal: 4,
} as const;

/** The exit codes as `--help` lists them. */
export const EXIT_CODES_HELP = `exit codes:
  0  done, and clean
  1  done, with failures (objects that failed; a backup PartiallyFailed or Failed; verify found a backup unsound)
  2  bad input or refused: nothing was done (spec problems, unknown names, a name taken, a mistyped command)
  3  a cluster or the bucket could not be reached, did not answer in time, or failed a request
  4  an internal error in Ferry (a bug: FERRY_DEBUG=1 prints its stack; please report it)
`;

/** The error and its causes, with stacks, for FERRY_DEBUG=1. */
export function debugText(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) parts.push('caused by:');
  }
  return `${parts.join('\n')}\n`;
}
