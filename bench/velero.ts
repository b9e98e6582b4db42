// Ferry against Velero v1.18.1, side by side, on the local stack (`FERRY_STACK_NODES=0 npm run stack:up` first):
//   npx tsx bench/velero.ts [--count 10000] [--rounds 3] [--source-run RUN]
// Creates bench/objects.ts's objects (ConfigMaps, Secrets, Deployments of ~2 KB over 20 namespaces) in the source
// plane (not timed), installs Velero there as the interop suite does (test/support/velero.ts: `velero install`, the
// AWS plugin, `velero server` as a local process, its own prefix in the stack's bucket) and then, each round, with
// the order of the two alternating between rounds:
//   backup   `ferry backup -f backup.yaml` (a velero.io/v1 Backup of the 20 namespaces) from spawn to exit, and
//            `velero backup create NAME --include-namespaces ... --wait` from spawn to the phase Completed;
//   restore  `ferry restore -f restore.yaml --cluster source` of that backup with a namespaceMapping into 20 fresh
//            namespaces, and `velero restore create --from-backup NAME --namespace-mappings ... --wait` into 20 others,
//            same plane, same mapping, both from spawn to Completed.
// Both with their default settings (Ferry: ferry.yaml without qps/burst, concurrency 16; Velero: the server's client
// QPS 100, burst 100, one item block worker), each command's start-up inside the timed wall. The restored objects
// are deleted after each round (not timed). Prints each run, then a table of medians: wall seconds, objects/s, CPU
// seconds of the tool (Ferry: the command's process; Velero: the CLI plus `velero server` during the run) and of the
// stack's servers (source API server, etcd, S3 server), and the load average.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort } from '../test/support/ports.js';
import { kubeconfigPath, stackDir } from '../test/support/stack.js';
import { installVelero, startVeleroServer, velero, veleroBinaries, veleroEnv, type VeleroServer, type VeleroSetup } from '../test/support/velero.js';
import { createdBySummary, fixed, itemsBySummary, markdownTable, medianTiming, rate, ratio, roundOrder, veleroProgress, type RunTiming } from './measure.js';
import { benchArg, benchNamespaces, benchObjects } from './objects.js';
import { cpuOf, emptyNamespaces, loadAverage, pidCpuSeconds, seedObjects, stackServerPids, timedCommand, timedFerry } from './processes.js';

const NAMESPACES = 20;
type Tool = 'ferry' | 'velero';
type Step = 'backup' | 'restore';

const arg = benchArg;

const count = Number(arg('count', '10000'));
const rounds = Number(arg('rounds', '3'));
const reuse = arg('source-run', '');
const run = reuse || `vb${Date.now().toString(36)}`;
const tag = Date.now().toString(36);
const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-velero-'));
const namespaces = (prefix: string) => benchNamespaces(prefix, NAMESPACES);
const sources = namespaces(`${run}-src`);
const log = (line: string) => process.stderr.write(`[bench] ${line} (load average ${loadAverage()})\n`);

/** A copy of the stack's ferry.yaml whose default location keeps Ferry's backups under their own prefix. */
function ferryConfig(): string {
  const config = parse(readFileSync(join(stackDir(), 'ferry.yaml'), 'utf8')) as { storageLocations: Record<string, { prefix?: string }> };
  config.storageLocations.default!.prefix = `bench-ferry-${tag}`;
  const file = join(dir, 'ferry.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

/** The namespace mapping of a restore: each source namespace to `<prefix>-<n>`. */
function mapping(prefix: string): Record<string, string> {
  return Object.fromEntries(sources.map((ns, n) => [ns, `${prefix}-${n}`]));
}

/** Measures one run: the tool's wall and CPU, the servers' CPU meanwhile (Velero's own server counted as the tool's). */
async function measured(server: VeleroServer | undefined, what: () => Promise<{ seconds: number; cpuSeconds: number; items: number }>): Promise<RunTiming & { items: number }> {
  const pids = stackServerPids('source');
  const serverPid = server?.process.pid;
  const before = cpuOf(pids);
  const toolBefore = serverPid ? pidCpuSeconds(serverPid) : 0;
  const result = await what();
  const toolServer = serverPid ? pidCpuSeconds(serverPid) - toolBefore : 0;
  return { seconds: result.seconds, cpuSeconds: result.cpuSeconds + toolServer, serverCpuSeconds: cpuOf(pids) - before, items: result.items };
}

function ferryStep(step: Step, round: number, config: string): Promise<RunTiming & { items: number }> {
  const name = `${run}-${tag}-f${round}`;
  const file = join(dir, `${step}-${name}.yaml`);
  const spec = step === 'backup'
    ? { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name }, spec: { includedNamespaces: sources } }
    : { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: `${name}-restore` }, spec: { backupName: name, namespaceMapping: mapping(`${run}-${tag}-fr${round}`) } };
  writeFileSync(file, stringify(spec));
  return measured(undefined, async () => {
    const result = await timedFerry([step, '-f', file, '--cluster', 'source', '--config', config]);
    return { ...result, items: step === 'backup' ? itemsBySummary(result.out) : createdBySummary(result.out) };
  });
}

function veleroStep(step: Step, round: number, setup: VeleroSetup, server: VeleroServer): Promise<RunTiming & { items: number }> {
  const name = `${run}-${tag}-v${round}`;
  const target = mapping(`${run}-${tag}-vr${round}`);
  const args = step === 'backup'
    ? ['backup', 'create', name, '--include-namespaces', sources.join(','), '--wait']
    : ['restore', 'create', `${name}-restore`, '--from-backup', name, '--namespace-mappings', Object.entries(target).map(([a, b]) => `${a}:${b}`).join(','), '--wait'];
  return measured(server, async () => {
    const result = await timedCommand(setup.binaries.velero, [...args, '--kubeconfig', kubeconfigPath('source'), '--namespace', setup.namespace], veleroEnv(setup));
    if (result.code !== 0) throw new Error(`velero ${args.slice(0, 2).join(' ')} exited ${result.code}: ${result.err.slice(-2000)}`);
    const got = veleroProgress((await velero(setup, [step, 'get', step === 'backup' ? name : `${name}-restore`, '-o', 'json'])).out);
    if (got.phase !== 'Completed') throw new Error(`velero ${step} ${name} ended ${got.phase}; server log:\n${server.log().split('\n').slice(-30).join('\n')}`);
    return { ...result, items: got.items };
  });
}

/** Polls until Velero has validated its location as Available. */
async function locationAvailable(setup: VeleroSetup): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const bsl = JSON.parse((await velero(setup, ['backup-location', 'get', 'default', '-o', 'json'])).out) as { status?: { phase?: string } };
    if (bsl.status?.phase === 'Available') return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error('Velero did not find its backup location Available in 5 minutes');
}

type Runs = Record<Step, Record<Tool, (RunTiming & { items: number })[]>>;

/** The table of medians so far. */
function table(runs: Runs): string {
  const cell = (t: RunTiming) => [fixed(t.seconds, 1), fixed(rate(count, t.seconds), 0), `${fixed(t.cpuSeconds, 1)} + ${fixed(t.serverCpuSeconds, 1)}`];
  const rows = (['ferry', 'velero'] as const).map((tool) => [tool === 'ferry' ? 'Ferry (CLI)' : 'Velero v1.18.1',
    ...cell(medianTiming(runs.backup[tool])), ...cell(medianTiming(runs.restore[tool]))]);
  const speedup = (step: Step) => fixed(ratio(medianTiming(runs[step].ferry).seconds, medianTiming(runs[step].velero).seconds), 1);
  return `${markdownTable(['tool', 'backup s', 'backup objects/s', 'backup CPU-s (tool + servers)', 'restore s', 'restore objects/s', 'restore CPU-s (tool + servers)'], rows)}\n\n`
    + `Ferry's objects/s over Velero's: backup ${speedup('backup')}, restore ${speedup('restore')}`;
}

async function main(): Promise<void> {
  const loadAtStart = loadAverage();
  log(`run ${run}: ${count} objects, ${rounds} rounds`);
  const binaries = veleroBinaries();
  const config = ferryConfig();
  await timedFerry(['version']); // builds the command's bundle when it is missing or stale: not part of any run
  if (!reuse) {
    log('creating the objects in the source plane');
    await seedObjects('source', benchObjects(count, `${run}-src`, NAMESPACES));
  }
  log('installing Velero into the source plane');
  const setup = await installVelero(binaries, 'source', `velero-${tag}`, `bench-velero-${tag}`);
  const server = startVeleroServer(setup, { metrics: await freePort(), profiler: await freePort() });
  try {
    // Another clone's velero server may hold the machine's lock (see startVeleroServer) for a while.
    await server.started;
    await locationAvailable(setup);
    const runs: Runs = { backup: { ferry: [], velero: [] }, restore: { ferry: [], velero: [] } };
    for (let round = 0; round < rounds; round++) {
      for (const step of ['backup', 'restore'] as const) {
        for (const tool of roundOrder(round, ['ferry', 'velero'] as const)) {
          const t = tool === 'ferry' ? await ferryStep(step, round, config) : await veleroStep(step, round, setup, server);
          runs[step][tool].push(t);
          log(`round ${round + 1} ${step} ${tool}: ${t.items} items in ${t.seconds.toFixed(1)} s, ${rate(count, t.seconds).toFixed(1)} objects/s, CPU ${fixed(t.cpuSeconds, 2)} s tool + ${fixed(t.serverCpuSeconds, 2)} s servers`);
        }
      }
      await emptyNamespaces('source', [...Object.values(mapping(`${run}-${tag}-fr${round}`)), ...Object.values(mapping(`${run}-${tag}-vr${round}`))]);
      // The table so far after each round: a run cut short still leaves its medians.
      console.log(`\nafter round ${round + 1} of ${rounds} (${count.toLocaleString('en')} objects; medians; node ${process.version}; `
        + `load average at start ${loadAtStart}, now ${loadAverage()}):\n\n${table(runs)}`);
    }
  } finally {
    await server.stop();
  }
  if (!reuse) console.error(`[bench] source objects kept: --source-run ${run} reuses them`);
}

await main();
