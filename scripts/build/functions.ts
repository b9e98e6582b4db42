/**
 * Bundles each function with esbuild into dist/functions/<name>/index.mjs and zips it into dist/functions/<name>.zip, the
 * per-function artifact serverless.yml deploys (package.individually + artifact), with the options every bundle shares
 * (scripts/build/bundle.ts, which also builds the `ferry` command). Prints each bundle's size. The expire artifact
 * also holds kopia for linux/arm64 at bin/kopia (scripts/build/kopia-bundle.ts).
 *   npx tsx scripts/build/functions.ts [name ...]     (default: every function in FUNCTIONS)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { ESM_BUNDLE } from './bundle.js';
import { consoleWebPlugin } from './console-web.js';
import { addKopia } from './kopia-bundle.js';

/** The functions serverless.yml declares, each built from functions/<name>.ts. */
export const FUNCTIONS = ['backup', 'index', 'restore', 'expire', 'console'] as const;

const repo = resolve(import.meta.dirname, '../..');
/** Where bundles and artifacts go (ignored by git). */
export const OUT_DIR = join(repo, 'dist', 'functions');

/** What building one function produced. */
export interface BuiltFunction {
  name: string;
  bundle: string;
  artifact: string;
  bundleBytes: number;
  artifactBytes: number;
  /** The largest inputs by bytes in the bundle, for finding what to trim. */
  largestInputs: { path: string; bytes: number }[];
}

/** Bundles one function and zips it; throws a clear error when its handler file does not exist. */
export async function buildFunction(name: string): Promise<BuiltFunction> {
  const entry = join(repo, 'functions', `${name}.ts`);
  if (!existsSync(entry)) throw new Error(`function ${name}: functions/${name}.ts does not exist yet`);
  const dir = join(OUT_DIR, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const bundle = join(dir, 'index.mjs');
  // The console's web app, inlined (scripts/build/console-web.ts).
  const result = await build({ ...ESM_BUNDLE, entryPoints: [entry], outfile: bundle, plugins: [consoleWebPlugin] });
  const artifact = join(OUT_DIR, `${name}.zip`);
  rmSync(artifact, { force: true });
  // -X: no extra file attributes, so the same bundle makes the same zip.
  execFileSync('zip', ['-q', '-X', '-j', artifact, bundle]);
  if (name === 'expire') addKopia(artifact, dir);
  return {
    name, bundle, artifact, bundleBytes: statSync(bundle).size, artifactBytes: statSync(artifact).size,
    largestInputs: largest(result.metafile),
  };
}

function largest(metafile: Metafile): { path: string; bytes: number }[] {
  const byPackage = new Map<string, number>();
  for (const [path, input] of Object.entries(metafile.outputs).flatMap(([, o]) => Object.entries(o.inputs))) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = m ? m[1]! : path.split('/').slice(0, 2).join('/');
    byPackage.set(key, (byPackage.get(key) ?? 0) + input.bytesInOutput);
  }
  return [...byPackage.entries()].map(([path, bytes]) => ({ path, bytes })).sort((a, b) => b.bytes - a.bytes).slice(0, 8);
}

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const wanted = names.length ? names : [...FUNCTIONS];
  const built: BuiltFunction[] = [];
  for (const name of wanted) built.push(await buildFunction(name));
  for (const b of built) {
    process.stderr.write(`[build] ${b.name}: bundle ${(b.bundleBytes / 1024).toFixed(0)} KiB, artifact ${(b.artifactBytes / 1024).toFixed(0)} KiB (${b.artifact.slice(repo.length + 1)})\n`);
  }
  writeFileSync(join(OUT_DIR, 'sizes.json'), `${JSON.stringify(built.map(({ largestInputs: _l, ...b }) => b), null, 2)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`[build] ${(err as Error).message}\n`);
    process.exit(1);
  });
}
