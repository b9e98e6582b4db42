// Cold start of each function as Lambda would see it: the size of its bundle and artifact, and the time a fresh
// Node process takes to load the bundle (module initialisation: what Lambda bills as Init Duration, less the
// runtime's own start) and to answer a first invocation that needs no network (a malformed event, answered by
// the middlewares). Then the `ferry` command's start: the wall time of `ferry --help` (bin/ferry.js on its bundle,
// as a user's shell starts it) and its peak RSS. Medians over fresh processes.
//   npx tsx bench/cold-start.ts [--runs 7]          (builds dist/functions and the CLI bundle first)
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cliBundle } from '../bin/cli-bundle.js';
import { FUNCTIONS, OUT_DIR, buildFunction, type BuiltFunction } from '../scripts/build/functions.js';

const repo = resolve(import.meta.dirname, '..');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;

/** Runs in a fresh process: loads the bundle, invokes it once, prints the two durations. */
const PROBE = `
const t0 = performance.now();
const mod = await import(process.argv[1]);
const t1 = performance.now();
try { await mod.handler('not an event', { awsRequestId: 'bench', functionName: 'bench' }); } catch {}
const t2 = performance.now();
console.log(JSON.stringify({ initMs: t1 - t0, firstInvokeMs: t2 - t1 }));
`;

/** Preloaded into `ferry --help`: prints the process's peak RSS (KiB) to stderr as it exits. */
const RSS_PROBE = `data:text/javascript,process.on('exit', () => process.stderr.write('{"maxRssKiB":' + process.resourceUsage().maxRSS + '}'))`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function probe(bundle: string): { initMs: number; firstInvokeMs: number } {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', PROBE, bundle], {
    encoding: 'utf8',
    // The functions' log lines go to stdout in Lambda; here they would mix with the measurement.
    env: { ...process.env, FERRY_CONFIG_JSON: JSON.stringify({ storageLocations: { default: { bucket: 'bench' } } }), FERRY_CONFIG: '', FERRY_CONFIG_YAML: '', FERRY_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const line = out.trim().split('\n').filter((l) => l.startsWith('{"initMs"')).pop();
  if (!line) throw new Error(`no measurement from ${bundle}: ${out.slice(0, 500)}`);
  return JSON.parse(line) as { initMs: number; firstInvokeMs: number };
}

const rows: (Omit<BuiltFunction, 'largestInputs'> & { initMs: number; firstInvokeMs: number; largest: string })[] = [];
for (const name of FUNCTIONS) {
  const built = await buildFunction(name);
  const samples = Array.from({ length: runs }, () => probe(built.bundle));
  rows.push({
    name, bundle: built.bundle, artifact: built.artifact, bundleBytes: built.bundleBytes, artifactBytes: built.artifactBytes,
    initMs: median(samples.map((s) => s.initMs)), firstInvokeMs: median(samples.map((s) => s.firstInvokeMs)),
    largest: built.largestInputs.slice(0, 3).map((i) => `${i.path} ${(i.bytes / 1024).toFixed(0)} KiB`).join(', '),
  });
}

/** One `ferry --help` in a fresh process: its wall time from the parent's side and its peak RSS. */
function probeHelp(): { wallMs: number; maxRssMiB: number } {
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--import', RSS_PROBE, join(repo, 'bin', 'ferry.js'), '--help'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const wallMs = performance.now() - started;
  const line = /\{"maxRssKiB":(\d+)\}/.exec(run.stderr);
  if (run.status !== 0 || !line) throw new Error(`ferry --help exited ${run.status}: ${run.stderr.slice(0, 500)}`);
  return { wallMs, maxRssMiB: Number(line[1]) / 1024 };
}

await cliBundle(); // built (when stale) before timing, as a user's first command after npm ci builds it
const help = Array.from({ length: runs }, () => probeHelp());
const helpRow = { wallMs: median(help.map((h) => h.wallMs)), maxRssMiB: median(help.map((h) => h.maxRssMiB)) };

const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
const table = [
  `Cold start per function (node ${process.version}, ${runs} fresh processes each, medians):`,
  '',
  '| function | bundle | zip artifact | init (load the bundle) | first invocation | largest inputs |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.name} | ${kib(r.bundleBytes)} | ${kib(r.artifactBytes)} | ${r.initMs.toFixed(0)} ms | ${r.firstInvokeMs.toFixed(1)} ms | ${r.largest} |`),
  '',
  `\`ferry --help\` (bin/ferry.js on the CLI bundle): ${helpRow.wallMs.toFixed(0)} ms wall, peak RSS ${helpRow.maxRssMiB.toFixed(0)} MiB`,
  '',
].join('\n');
process.stdout.write(table);
writeFileSync(join(OUT_DIR, 'cold-start.json'), `${JSON.stringify({ node: process.version, runs, ferryHelp: helpRow, functions: rows.map(({ bundle: _b, artifact: _a, ...r }) => r) }, null, 2)}\n`);
process.stderr.write(`[bench] details in ${join(OUT_DIR, 'cold-start.json').slice(repo.length + 1)}\n`);
