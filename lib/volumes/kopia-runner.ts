/**
 * Runs the kopia binary on the machine Ferry runs on (in the expire function's artifact at $LAMBDA_TASK_ROOT/bin/kopia,
 * or the local stack's build in ~/.cache/ferry/bin): the port expiry uses to delete snapshots and run repository
 * maintenance, since the expire function reaches the bucket but no cluster. Secrets reach kopia only through its
 * environment, never its arguments.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** What one kopia command did. */
export interface KopiaRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one kopia command with extra environment variables (credentials, password). */
export interface KopiaRunner {
  run(args: readonly string[], env: Record<string, string>): Promise<KopiaRun>;
}

/** Where the kopia binary is looked for, first match wins. */
export interface KopiaSearch {
  /** FERRY_KOPIA: an explicit path. */
  explicit?: string;
  /** LAMBDA_TASK_ROOT: the function's own files, kopia at bin/kopia (scripts/build/kopia-bundle.ts). */
  taskRoot?: string;
  /** The home folder, for the local stack's cache (~/.cache/ferry/bin/kopia, or FERRY_CACHE/bin/kopia). */
  home?: string;
  cache?: string;
}

/** Candidate paths of the kopia binary, in the order they are tried. */
export function kopiaCandidates(search: KopiaSearch): string[] {
  if (search.explicit) return [search.explicit];
  const cache = search.cache ?? (search.home ? join(search.home, '.cache', 'ferry') : undefined);
  return [...(search.taskRoot ? [join(search.taskRoot, 'bin', 'kopia')] : []), ...(cache ? [join(cache, 'bin', 'kopia')] : [])];
}

/** Runs a kopia binary as a child process; output is capped (kopia's JSON listings of one repository are small). */
export class LocalKopia implements KopiaRunner {
  constructor(private readonly binary: string, private readonly timeoutMs = 10 * 60_000) {}

  run(args: readonly string[], env: Record<string, string>): Promise<KopiaRun> {
    return new Promise((resolve) => {
      // Only what kopia needs from this process's environment: no AWS_* of Ferry's own leaks into its S3 client.
      const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}) };
      execFile(this.binary, [...args], { env: { ...base, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: this.timeoutMs }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        const why = err && code === -1 ? `${err.message}\n` : '';
        resolve({ code, stdout: String(stdout), stderr: why + String(stderr) });
      });
    });
  }
}
