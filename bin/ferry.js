#!/usr/bin/env node
// The `ferry` command: runs the esbuild bundle of lib/cli (dist/cli, built by the same step as the functions, on
// first use and again after a change) on plain node, with no TypeScript loader.
import { pathToFileURL } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`ferry: needs Node.js 24 or later, and this is ${process.version}. In the clone, \`npx ferry\` runs it on the Node 24 that \`npm ci\` installed in node_modules/.bin.\n`);
  process.exit(1);
}
const { cliBundle } = await import('./cli-bundle.js');
const { main } = await import(pathToFileURL(await cliBundle()).href);
process.exitCode = await main(process.argv.slice(2));
