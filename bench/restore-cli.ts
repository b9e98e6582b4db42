// `ferry restore` as a user runs it against a bare create loop of the same objects, on the local stack
// (`FERRY_STACK_NODES=0 npm run stack:up` first):
//   npx tsx bench/restore-cli.ts [--count 10000] [--rounds 3] [--source-run RUN] [--keep]
// Creates bench/objects.ts's objects (ConfigMaps, Secrets, Deployments of ~2 KB over 20 namespaces) in the source
// plane and backs them up with `ferry backup` (neither timed), then runs, alternating which goes first each round:
//   ferry  `node bin/ferry.js restore -f restore.yaml --cluster target` with the default settings (concurrency 16,
//          ferry.yaml without qps/burst), into fresh namespaces of the target plane: the command's start-up, the
//          backup's verification, the transform and the writes, all in the timed wall from spawn to exit;
//   bare   bench/bare-create.ts as an esbuild bundle on the same node: the same objects created 16 at a time into
//          fresh namespaces with the same client limits, nothing else, also timed from spawn to exit.
// Prints each run, then the medians over the rounds, the ratio (Ferry's objects/s over the bare loop's), each
// process's CPU seconds (GNU time) and the servers' (target API server, etcd, S3 server; from /proc), and the load
// average. The restored objects are deleted after each round (not timed), so the API server does not grow.
// --source-run RUN reuses the source objects and backup of an earlier run (printed at its start).
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { stringify } from 'yaml';
import { kubeconfigPath } from '../test/support/stack.js';
import { createdBySummary, fixed, markdownTable, median, medianTiming, rate, ratio, roundOrder, type RunTiming } from './measure.js';
import { benchArg, benchNamespaces, benchObjects } from './objects.js';
import { cpuOf, emptyNamespaces, ferryCommand, loadAverage, seedObjects, stackServerPids, timedCommand, timedFerry } from './processes.js';

/** `ferry restore`'s default --concurrency (lib/cli/restore.ts), which the bare loop runs at too. */
const CLI_CONCURRENCY = 16;
const NAMESPACES = 20;

const arg = benchArg;

const count = Number(arg('count', '10000'));
const rounds = Number(arg('rounds', '3'));
const reuse = arg('source-run', '');
const run = reuse || `rc${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-restore-cli-'));
const namespaces = (prefix: string) => benchNamespaces(prefix, NAMESPACES);
const backup = `${run}-backup`;
// Names on the target side carry this invocation's tag, so that a run over reused source objects starts fresh.
const tag = Date.now().toString(36);
const log = (line: string) => process.stderr.write(`[bench] ${line} (load average ${loadAverage()})\n`);

/** Bundles bench/bare-create.ts as the `ferry` command is bundled: ESM for node, everything inlined. */
async function bundleBareLoop(): Promise<string> {
  const outfile = join(dir, 'bare-create.mjs');
  await build({
    entryPoints: [resolve(import.meta.dirname, 'bare-create.ts')], outfile, bundle: true, platform: 'node', target: 'node24', format: 'esm',
    minify: true, keepNames: true, legalComments: 'none', logLevel: 'warning',
    banner: { js: "import { createRequire as __ferryRequire } from 'node:module'; const require = __ferryRequire(import.meta.url);" },
  });
  return outfile;
}

/** Runs one contender once and measures it, with the servers' CPU during the run. */
async function measured(what: () => Promise<{ seconds: number; cpuSeconds: number }>): Promise<RunTiming> {
  const pids = stackServerPids('target');
  const before = cpuOf(pids);
  const timing = await what();
  return { ...timing, serverCpuSeconds: cpuOf(pids) - before };
}

async function ferryRun(round: number): Promise<RunTiming> {
  const target = `${run}-${tag}-f${round}`;
  const name = `${run}-${tag}-restore-${round}`;
  const file = join(dir, `${name}.yaml`);
  const mapping = Object.fromEntries(namespaces(`${run}-src`).map((ns, n) => [ns, `${target}-${n}`]));
  writeFileSync(file, stringify({ apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name }, spec: { backupName: backup, namespaceMapping: mapping } }));
  return measured(async () => {
    const result = await timedFerry(['restore', '-f', file, '--cluster', 'target']);
    const created = createdBySummary(result.out);
    // The backup's namespaces are restored too: count and objects both.
    if (created < count) throw new Error(`ferry restore created ${created} of ${count} objects:\n${result.out}`);
    return result;
  });
}

async function bareRun(round: number, bundle: string): Promise<RunTiming> {
  const { command } = ferryCommand();
  return measured(async () => {
    const result = await timedCommand(command, [bundle, '--kubeconfig', kubeconfigPath('target'), '--count', String(count), '--prefix', `${run}-${tag}-b${round}`,
      '--concurrency', String(CLI_CONCURRENCY)]);
    if (result.code !== 0) throw new Error(`the bare loop exited ${result.code}:\n${result.err.slice(-3000)}`);
    return result;
  });
}

async function main(): Promise<void> {
  const loadAtStart = loadAverage();
  log(`run ${run}: ${count} objects, ${rounds} rounds${reuse ? ', reusing the source objects and backup' : ''}`);
  const bundle = await bundleBareLoop();
  await timedFerry(['version']); // builds the command's bundle when it is missing or stale: not part of any run
  if (!reuse) {
    log('creating the objects in the source plane');
    await seedObjects('source', benchObjects(count, `${run}-src`, NAMESPACES));
    const file = join(dir, 'backup.yaml');
    writeFileSync(file, stringify({ apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: backup }, spec: { includedNamespaces: namespaces(`${run}-src`) } }));
    log('backing up with ferry backup');
    await timedFerry(['backup', '-f', file]);
  }
  const runs: Record<'ferry' | 'bare', RunTiming[]> = { ferry: [], bare: [] };
  for (let round = 0; round < rounds; round++) {
    for (const side of roundOrder(round, ['ferry', 'bare'] as const)) {
      const timing = side === 'ferry' ? await ferryRun(round) : await bareRun(round, bundle);
      runs[side].push(timing);
      log(`round ${round + 1} ${side}: ${timing.seconds.toFixed(1)} s, ${rate(count, timing.seconds).toFixed(0)} objects/s, CPU ${fixed(timing.cpuSeconds, 2)} s own + ${fixed(timing.serverCpuSeconds, 2)} s servers`);
    }
    if (!process.argv.includes('--keep')) await emptyNamespaces('target', [...namespaces(`${run}-${tag}-f${round}`), ...namespaces(`${run}-${tag}-b${round}`)]);
  }
  const f = medianTiming(runs.ferry);
  const b = medianTiming(runs.bare);
  const row = (label: string, t: RunTiming) => [label, fixed(t.seconds, 1), fixed(rate(count, t.seconds), 0), fixed(t.cpuSeconds, 2), fixed(t.serverCpuSeconds, 2)];
  console.log(`restore of ${count.toLocaleString('en')} objects into fresh namespaces of the target plane, concurrency ${CLI_CONCURRENCY}, default client limits; `
    + `median of ${rounds} rounds, order alternating; node ${process.version}; load average at start ${loadAtStart}, at end ${loadAverage()}\n`);
  console.log(markdownTable(['contender', 'wall s', 'objects/s', 'CPU-s own', 'CPU-s servers'],
    [row('ferry restore (CLI, defaults)', f), row(`bare create loop (${CLI_CONCURRENCY} at once)`, b)]));
  const perRound = runs.ferry.map((r, i) => ratio(r.seconds, runs.bare[i]!.seconds));
  console.log(`\nratio (Ferry objects/s / bare loop objects/s): ${fixed(ratio(f.seconds, b.seconds), 2)} of the medians; per round ${perRound.map((x) => fixed(x, 2)).join(', ')} (median ${fixed(median(perRound), 2)})`);
  if (!reuse) console.error(`[bench] source objects and backup kept: --source-run ${run} reuses them`);
}

await main();
