/**
 * Builds the expire function's Lambda layer: kopia (Velero's fork, the movers' engine) for linux/arm64, serverless.yml's
 * architecture, at bin/kopia in dist/layers/kopia.zip, so that it is /opt/bin/kopia in the function. Expiry runs it to
 * delete expired backups' snapshots and maintain their repositories (lib/volumes/expire-volume-data.ts). The binary
 * is built from the Go module proxy by `scripts/stack/build.sh kopia-lambda` and cached by version.
 *   npx tsx scripts/build/kopia-layer.ts
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../..');
/** The layer's zip, serverless.yml's `layers.kopia.package.artifact`. */
export const LAYER_ZIP = join(repo, 'dist', 'layers', 'kopia.zip');

/** The kopia version the stack builds (build.sh's KOPIA_REPLACE), which names the cached binary. */
export function kopiaVersion(buildScript = readFileSync(join(repo, 'scripts/stack/build.sh'), 'utf8')): string {
  const m = /^KOPIA_REPLACE="\S+ (v\S+)"$/m.exec(buildScript);
  if (!m) throw new Error('scripts/stack/build.sh has no KOPIA_REPLACE="<module> <version>" line');
  return m[1]!;
}

/** Builds (or reuses) the arm64 binary and zips it as bin/kopia; returns the zip's path and size. */
export function buildKopiaLayer(): { zip: string; bytes: number } {
  execFileSync('bash', [join(repo, 'scripts/stack/build.sh'), 'kopia-lambda'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const cache = process.env.FERRY_CACHE ?? join(homedir(), '.cache', 'ferry');
  const binary = join(cache, 'bin', `kopia-${kopiaVersion()}-linux-arm64`);
  const staging = join(repo, 'dist', 'layers', 'kopia');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'bin'), { recursive: true });
  copyFileSync(binary, join(staging, 'bin', 'kopia'));
  chmodSync(join(staging, 'bin', 'kopia'), 0o755);
  rmSync(LAYER_ZIP, { force: true });
  // -X: no extra file attributes, so the same binary makes the same zip.
  execFileSync('zip', ['-q', '-X', '-r', LAYER_ZIP, 'bin'], { cwd: staging });
  return { zip: LAYER_ZIP, bytes: statSync(LAYER_ZIP).size };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const { zip, bytes } = buildKopiaLayer();
    process.stderr.write(`[build] kopia layer: ${(bytes / 1024 / 1024).toFixed(1)} MiB (${zip.slice(repo.length + 1)})\n`);
  } catch (err) {
    process.stderr.write(`[build] kopia layer: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
