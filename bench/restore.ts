// Restore benchmark on the local stack (run `npm run stack:up` first):
//   npx tsx bench/restore.ts [--counts 1000,10000] [--concurrency 16] [--passes 2] [--source-run PREFIX]
// For each count: N objects (ConfigMaps, Secrets, Deployments of ~2 KB over 20 namespaces) are created in the
// source plane, backed up and indexed; then, each in a child process so its peak RSS is its own, and each running
// this file bundled by esbuild as the functions are (plain node, not tsx, whose loader holds ~200 MB),
//   ferry: runRestore of the backup into fresh namespaces of the target plane (the whole pipeline), and
//   limit: the same objects created by a bare loop at the same concurrency, with no processing.
// Both use the same client limits, the ones a user gets (DEFAULT_LIMITS: 1000 requests/s). The API server
// gets slower as it fills, so the runs go ferry, bare, bare, ferry (each into fresh namespaces) and each side's
// time is the mean of its two runs; --passes 1 runs ferry, bare once each (for sizes too slow to run twice).
// --source-run PREFIX reuses the source objects an earlier run left for each count (run id PREFIX<count>, objects
// as benchObjects(count, `PREFIX<count>-src`) makes them) instead of creating them again: creating is not measured.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { bundleBench, deployedNodeOptions } from './deployed.js';
import { runBackup } from '../lib/backup/run-backup.js';
import { indexBackup } from '../lib/catalog/index-backup.js';
import { KubeCluster, loadKubeConfig } from '../lib/kube/kube-cluster.js';
import { DEFAULT_LIMITS } from '../lib/kube/http.js';
import type { KubeObject } from '../lib/model/object.js';
import { runRestore } from '../lib/restore/run-restore.js';
import { parseRestoreSpec } from '../lib/spec/restore-spec.js';
import { parseBackupSpec } from '../lib/spec/backup-spec.js';
import { BucketLayout } from '../lib/store/layout.js';
import { benchArg, benchObjects, peakRssMb } from './objects.js';
import { kubeconfigPath, stackDir, stackStore } from '../test/support/stack.js';
import { runPool } from '../lib/pool.js';

// The client limits a user gets (README "Request rates"), for Ferry and the bare loop alike.
const LIMITS = DEFAULT_LIMITS;
const layout = new BucketLayout('bench');
const quiet = { info: () => undefined, warn: () => undefined };

const arg = benchArg;

const cluster = (plane: string) => new KubeCluster(loadKubeConfig(kubeconfigPath(plane as 'source' | 'target')), LIMITS);

async function createNamespaces(c: KubeCluster, names: Iterable<string>): Promise<void> {
  for (const name of new Set(names)) await c.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }).catch(() => undefined);
}

/** Child: restores the backup into namespaces `<run>-<tag>r<pass>-<n>` and prints timing and peak RSS. */
async function childFerry(backup: string, run: string, count: number, concurrency: number, pass: string): Promise<void> {
  const mapping = Object.fromEntries(Array.from({ length: 20 }, (_, n) => [`${run}-src-${n}`, `${run}-${arg('tag', '')}r${pass}-${n}`]));
  const spec = parseRestoreSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name: `${run}-${arg('tag', '')}restore${pass}` },
    spec: { backupName: backup, namespaceMapping: mapping, includedResources: ['configmaps', 'secrets', 'deployments'] } }, 'bench');
  const target = cluster('target');
  const started = performance.now();
  const result = await runRestore({ name: `${run}-${arg('tag', '')}restore${pass}`, spec, dryRun: false }, {
    store: stackStore(), layout, cluster: target, now: () => new Date(), log: quiet, concurrency, reserveMs: 0,
  });
  const seconds = (performance.now() - started) / 1000;
  const created = result.counts.created;
  if (created < count) throw new Error(`ferry restore created ${created} of ${count}: ${JSON.stringify(result.counts)}`);
  console.log(JSON.stringify({ seconds, objects: count, rssMb: peakRssMb(), requests: target.stats.requests }));
  target.close();
}

/** Child: creates the same objects into namespaces `<run>-<tag>b<pass>-<n>` with a bare pool and prints timing and peak RSS. */
async function childBare(run: string, count: number, concurrency: number, pass: string): Promise<void> {
  const objects = benchObjects(count, `${run}-${arg('tag', '')}b${pass}`);
  const target = cluster('target');
  // The namespaces are part of the work: a restore into new namespaces has to create them too.
  const started = performance.now();
  await createNamespaces(target, objects.map((o) => o.metadata.namespace!));
  await runPool(objects, concurrency, async (o: KubeObject) => { await target.create(o); });
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ seconds, objects: count, rssMb: peakRssMb(), requests: target.stats.requests }));
  target.close();
}

const BUNDLE = resolve(import.meta.dirname, '../dist/bench/restore.mjs');

/** Bundles this file as scripts/build/functions.ts bundles a function, for the children to run under plain node. */
async function bundle(): Promise<void> {
  await bundleBench(resolve(import.meta.dirname, 'restore.ts'), BUNDLE);
}

/** Runs a child; Ferry's with the restore function's NODE_OPTIONS as deployed. */
function child(args: string[]): { seconds: number; objects: number; rssMb: number } {
  const out = execFileSync(process.execPath, [BUNDLE, ...args], {
    encoding: 'utf8', maxBuffer: 1 << 24,
    env: { ...process.env, FERRY_STACK_DIR: stackDir(), ...(args[1] === 'ferry' ? { NODE_OPTIONS: deployedNodeOptions('restore') } : {}) },
  });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

async function main(): Promise<void> {
  const phase = arg('phase', '');
  const concurrency = Number(arg('concurrency', '16'));
  if (phase === 'ferry') return childFerry(arg('backup', ''), arg('run', ''), Number(arg('count', '0')), concurrency, arg('pass', '1'));
  if (phase === 'bare') return childBare(arg('run', ''), Number(arg('count', '0')), concurrency, arg('pass', '1'));

  await bundle();
  const rows: string[] = [];
  for (const count of arg('counts', '1000,10000').split(',').map(Number)) {
    const reuse = arg('source-run', '');
    const run = reuse ? `${reuse}${count}` : `rb${Date.now().toString(36)}`;
    const source = cluster('source');
    if (!reuse) {
      const objects = benchObjects(count, `${run}-src`);
      await createNamespaces(source, objects.map((o) => o.metadata.namespace!));
      process.stderr.write(`[bench] ${count}: creating the objects in the source plane\n`);
      await runPool(objects, 32, async (o) => { await source.create(o); });
    }
    // Names on the target side carry a tag of this run, so that a run over reused source objects starts fresh.
    const tag = Date.now().toString(36);
    const backup = `${run}-backup-${tag}`;
    const spec = parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: backup },
      spec: { includedNamespaces: [`${run}-src-*`], includedResources: ['configmaps', 'secrets', 'deployments'], includeClusterResources: false } }, 'bench');
    process.stderr.write(`[bench] ${count}: backing up\n`);
    const outcome = await runBackup(spec, { store: stackStore(), layout, cluster: source, clock: () => new Date() });
    if (outcome.itemsBackedUp < count) throw new Error(`backup holds ${outcome.itemsBackedUp} of ${count} objects`);
    // As in a deployment, the index function judges the backup when it lands; the restore relies on its verdict.
    await indexBackup(backup, { store: stackStore(), layout, now: () => new Date(), log: quiet });
    source.close();
    const common = ['--run', run, '--tag', tag, '--count', String(count), '--concurrency', String(concurrency)];
    const runs: Record<'ferry' | 'bare', { seconds: number; rssMb: number }[]> = { ferry: [], bare: [] };
    const order = arg('passes', '2') === '1' ? [['ferry', '1'], ['bare', '1']] as const : [['ferry', '1'], ['bare', '1'], ['bare', '2'], ['ferry', '2']] as const;
    for (const [side, pass] of order) {
      process.stderr.write(`[bench] ${count}: ${side === 'ferry' ? 'restoring with Ferry' : 'creating with the bare loop'} (run ${pass})\n`);
      runs[side].push(child(['--phase', side, ...(side === 'ferry' ? ['--backup', backup] : []), '--pass', pass, ...common]));
    }
    const rate = (side: 'ferry' | 'bare') => count / (runs[side].reduce((n, r) => n + r.seconds, 0) / runs[side].length);
    const rss = (side: 'ferry' | 'bare') => Math.max(...runs[side].map((r) => r.rssMb));
    const f = rate('ferry');
    const b = rate('bare');
    rows.push(`| ${count} | ${f.toFixed(0)} | ${b.toFixed(0)} | ${(f / b).toFixed(2)} | ${rss('ferry')} | ${rss('bare')} |`);
  }
  const runs = arg('passes', '2') === '1' ? 'runs ferry, bare (one each)' : 'runs ferry, bare, bare, ferry (rates: means; RSS: max)';
  console.log(`restore, concurrency ${concurrency}, client QPS ${LIMITS.qps}, node ${process.version}, children run the esbuild bundle under plain node, ${runs}\n`);
  console.log('| objects | Ferry restore objects/s | bare create loop objects/s | ratio | Ferry peak RSS MB | bare loop peak RSS MB |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

await main();
