/**
 * Bundles the console's web app (lib/console/web: vanilla TypeScript, no CDN, no framework) for browsers, and
 * serves it to the console function's bundle as the module `console-web:assets` ({html, js, css}).
 *   npx tsx scripts/build/console-web.ts     prints the app's size, raw and gzipped (the budget is 200 KB gzipped)
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';

const web = resolve(import.meta.dirname, '../../lib/console/web');

/** The gzipped size the web app must stay under (issue 18). */
export const BUNDLE_BUDGET_GZIP_BYTES = 200 * 1024;

/** The built app and its sizes. */
export interface ConsoleWeb {
  html: string;
  js: string;
  css: string;
  /** Bytes of the three files, and gzipped (what a browser downloads). */
  bytes: number;
  gzipBytes: number;
}

/** Builds the web app: one minified script for browsers of the last few years, the page and its stylesheet. */
export async function buildConsoleWeb(): Promise<ConsoleWeb> {
  const out = await build({
    entryPoints: [join(web, 'app.ts')], bundle: true, write: false, minify: true, format: 'iife', target: ['es2020'],
    platform: 'browser', legalComments: 'none', logLevel: 'warning',
  });
  const js = out.outputFiles[0]!.text;
  const html = readFileSync(join(web, 'index.html'), 'utf8');
  const css = readFileSync(join(web, 'app.css'), 'utf8');
  const files = [html, js, css];
  return {
    html, js, css, bytes: files.reduce((n, f) => n + Buffer.byteLength(f), 0),
    gzipBytes: files.reduce((n, f) => n + gzipSync(f, { level: 9 }).length, 0),
  };
}

/** The esbuild plugin that resolves `console-web:assets` to the built app. */
export const consoleWebPlugin: Plugin = {
  name: 'console-web',
  setup(b) {
    b.onResolve({ filter: /^console-web:assets$/ }, (args) => ({ path: args.path, namespace: 'console-web' }));
    b.onLoad({ filter: /.*/, namespace: 'console-web' }, async () => {
      const { html, js, css } = await buildConsoleWeb();
      return { contents: `export default ${JSON.stringify({ html, js, css })};`, loader: 'js' };
    });
  },
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const built = await buildConsoleWeb();
  process.stdout.write(`console web app: ${(built.bytes / 1024).toFixed(1)} KiB, ${(built.gzipBytes / 1024).toFixed(1)} KiB gzipped (budget ${BUNDLE_BUDGET_GZIP_BYTES / 1024} KiB)\n`);
}
