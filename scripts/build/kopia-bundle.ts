/**
 * Puts kopia (Velero's fork, the movers' engine) into the expire function's artifact, at bin/kopia, so that it is
 * $LAMBDA_TASK_ROOT/bin/kopia (/var/task/bin/kopia) in the function: expiry runs it to delete expired backups'
 * snapshots and maintain their repositories (lib/volumes/expire-volume-data.ts). Built for linux/arm64 (serverless.yml's
 * architecture) from the Go module proxy by `scripts/stack/build.sh kopia-lambda`, cached by version. A Lambda layer
 * was tried first: osls asks CloudFormation about a layer's last version while packaging, which needs an AWS account.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../..');

/** The kopia version the stack builds (build.sh's KOPIA_REPLACE), which names the cached binary. */
export function kopiaVersion(buildScript = readFileSync(join(repo, 'scripts/stack/build.sh'), 'utf8')): string {
  const m = /^KOPIA_REPLACE="\S+ (v\S+)"$/m.exec(buildScript);
  if (!m) throw new Error('scripts/stack/build.sh has no KOPIA_REPLACE="<module> <version>" line');
  return m[1]!;
}

/** Builds (or reuses) the linux/arm64 kopia and adds it to the zip `artifact` as bin/kopia. */
export function addKopia(artifact: string, staging: string): void {
  execFileSync('bash', [join(repo, 'scripts/stack/build.sh'), 'kopia-lambda'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const cache = process.env.FERRY_CACHE ?? join(homedir(), '.cache', 'ferry');
  rmSync(join(staging, 'bin'), { recursive: true, force: true });
  mkdirSync(join(staging, 'bin'), { recursive: true });
  copyFileSync(join(cache, 'bin', `kopia-${kopiaVersion()}-linux-arm64`), join(staging, 'bin', 'kopia'));
  chmodSync(join(staging, 'bin', 'kopia'), 0o755);
  // -X: no extra file attributes, so the same binary makes the same zip.
  execFileSync('zip', ['-q', '-X', '-r', artifact, 'bin'], { cwd: staging });
}
