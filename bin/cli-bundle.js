// Finds the `ferry` command's esbuild bundle (dist/cli/current.json, written by scripts/build/bundle.ts) and
// builds it first when there is none or a file it was built from changed since. Plain JavaScript and node: built-ins
// only, so a start with a current bundle loads no compiler or TypeScript loader.
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const cliDir = join(repo, 'dist', 'cli');

/** The current build's description, or undefined when there is none or a listed input changed after it. */
function currentBuild() {
  let build;
  try {
    build = JSON.parse(readFileSync(join(cliDir, 'current.json'), 'utf8'));
    statSync(join(cliDir, build.entry));
  } catch {
    return undefined;
  }
  for (const input of build.inputs) {
    const stat = statSync(join(repo, input), { throwIfNoEntry: false });
    if (!stat || stat.mtimeMs >= build.builtAt) return undefined;
  }
  return build;
}

/** The absolute path of the CLI bundle's entry module (it exports main), built first when missing or stale. */
export async function cliBundle() {
  let build = currentBuild();
  if (!build) {
    if (process.stderr.isTTY) process.stderr.write('ferry: building the command (esbuild; once after each change)\n');
    // Node 24 runs this TypeScript file as it is (type stripping); it loads esbuild only here.
    const { buildCli } = await import('../scripts/build/bundle.ts');
    build = await buildCli();
  }
  return join(cliDir, build.entry);
}
