/**
 * What the benches take from the deployment, so that they measure the path a user runs: a function's NODE_OPTIONS
 * as serverless.yml deploys them, and esbuild bundles made as the functions' are (scripts/build/bundle.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parse } from 'yaml';
import { ESM_BUNDLE } from '../scripts/build/bundle.js';

/** A function's NODE_OPTIONS as serverless.yml deploys them (its own, else the provider's). */
export function deployedNodeOptions(fn: 'backup' | 'restore'): string {
  const doc = parse(readFileSync(fileURLToPath(new URL('../serverless.yml', import.meta.url)), 'utf8')) as
    { provider?: { environment?: Record<string, string> }; functions?: Record<string, { environment?: Record<string, string> } | undefined> };
  return doc.functions?.[fn]?.environment?.NODE_OPTIONS ?? doc.provider?.environment?.NODE_OPTIONS ?? '';
}

/** Bundles a bench script (its child processes run the bundle under plain node) with the functions' esbuild options. */
export async function bundleBench(entry: string, outfile: string): Promise<void> {
  const { metafile: _unused, ...options } = ESM_BUNDLE;
  await build({ ...options, entryPoints: [entry], outfile, external: ['esbuild'] });
}
