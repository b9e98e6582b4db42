/**
 * What every esbuild bundle of Ferry shares (the functions' in scripts/build/functions.ts, the CLI's here), and the
 * build of the `ferry` command into dist/cli, which bin/ferry.js runs.
 *   node scripts/build/bundle.ts        (builds the CLI bundle; bin/ferry.js does so itself when it is stale)
 * This file imports no module of the repo's own, so Node 24 strips its types and runs it with no loader.
 */
import { readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build, type BuildOptions } from 'esbuild';

const repo = resolve(import.meta.dirname, '../..');

/** The Node.js line the bundles target: the functions' runtime (nodejs24.x) and the tools'. */
export const NODE_TARGET = 'node24';

/** One ESM bundle per entry for Node, minified with names kept, node: built-ins left to Node, CommonJS given a require(). */
export const ESM_BUNDLE = {
  bundle: true, platform: 'node', target: NODE_TARGET, format: 'esm',
  minify: true, keepNames: true, legalComments: 'none', metafile: true, logLevel: 'warning',
  // tr46 and whatwg-url (through client-node) require Node's `punycode`, deprecated since Node 21 (DEP0040, a
  // warning on every run): the npm package of the same code takes its place.
  alias: { punycode: 'punycode/' },
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __ferryRequire } from 'node:module'; const require = __ferryRequire(import.meta.url);" },
} as const satisfies BuildOptions;

/** Where the CLI's builds go: one folder per build, and current.json naming the one bin/ferry.js runs. */
export const CLI_DIR = join(repo, 'dist', 'cli');

/** dist/cli/current.json: the build bin/ferry.js runs, when it started, and the files it was built from. */
export interface CliBuild {
  /** The build's entry module, relative to CLI_DIR (it exports main). */
  entry: string;
  /** When the build started (ms since the epoch): a listed input changed after it makes the build stale. */
  builtAt: number;
  /** The repo's files the bundle was made from, relative to the repo, plus the installed packages' lock. */
  inputs: string[];
}

/**
 * Bundles the `ferry` command (lib/cli/main.ts) into a new folder of dist/cli, its subcommands split into chunks
 * loaded as they run (so `ferry --help` loads only the dispatcher), then points dist/cli/current.json at it.
 * Each build has its own folder and current.json is replaced by a rename, so a process still running an older
 * build, or another build at the same moment, is never left with half a bundle; folders older than an hour go.
 */
export async function buildCli(): Promise<CliBuild> {
  const builtAt = Date.now();
  const name = `build-${builtAt.toString(36)}-${process.pid}`;
  const result = await build({
    ...ESM_BUNDLE, absWorkingDir: repo, entryPoints: { main: join(repo, 'lib', 'cli', 'main.ts') }, outdir: join(CLI_DIR, name),
    splitting: true, outExtension: { '.js': '.mjs' }, chunkNames: 'chunk-[hash]',
  });
  const inputs = Object.keys(result.metafile.inputs).filter((path) => !path.includes('node_modules/'));
  const current: CliBuild = {
    entry: `${name}/main.mjs`, builtAt,
    inputs: [...inputs.map((path) => relative(repo, resolve(repo, path))), 'node_modules/.package-lock.json'],
  };
  const staging = join(CLI_DIR, `current.json.${process.pid}`);
  writeFileSync(staging, `${JSON.stringify(current, null, 2)}\n`);
  renameSync(staging, join(CLI_DIR, 'current.json'));
  for (const old of readdirSync(CLI_DIR)) {
    if (old.startsWith('build-') && old !== name && statSync(join(CLI_DIR, old)).mtimeMs < builtAt - 3_600_000) rmSync(join(CLI_DIR, old), { recursive: true, force: true });
  }
  return current;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildCli().then((cli) => {
    process.stderr.write(`[build] ferry: ${relative(repo, join(CLI_DIR, cli.entry))} from ${cli.inputs.length - 1} files\n`);
  }, (err: unknown) => {
    process.stderr.write(`[build] ${(err as Error).message}\n`);
    process.exit(1);
  });
}
