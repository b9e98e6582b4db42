/**
 * Backup throughput against its limit, on the local stack (`bash scripts/stack/stack.sh up` first):
 *
 *   npx tsx bench/backup.ts [--sizes 1000,10000] [--runs 3] [--payload random|text] [--keep] [--reuse-run ID] [--source-run PREFIX]
 *
 * For each size N it creates N objects of about 2 KB (ConfigMaps, Secrets and Deployments, in equal parts) across
 * 20 namespaces of the source control plane, then, alternating, in fresh child processes (this script bundled by
 * esbuild, as the functions are deployed; the Ferry child with the backup function's NODE_OPTIONS from serverless.yml):
 *   ferry  a Ferry backup of those namespaces and kinds (runBackup with the default client limits and options)
 *   limit  the same paged LISTs (same page size and concurrency), raw response bytes streamed into one upload,
 *          with no parsing, no gzip and no other processing
 * and prints objects/s of both (median of the runs), their ratio, each process's peak RSS, and the CPU seconds
 * each spent and the stack's servers (API server, etcd, S3 server) spent meanwhile (medians): on a machine whose
 * cores the servers share, the client's CPU time is what the ratio turns on.
 *
 * --source-run PREFIX backs up, for each size, the objects bench/restore.ts left in the source plane (its run id
 * PREFIX<size>: namespaces PREFIX<size>-src-0 to -19, about 2 KB of base-36 text each) instead of seeding its own,
 * and deletes nothing afterwards: seeding 100,000 objects takes longer than the runs on a busy machine.
 * --reuse-run ID backs up the objects an earlier run left with --keep (its run id ID), seeding and deleting nothing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { PassThrough } from 'node:stream';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleBench, deployedNodeOptions } from './deployed.js';
import { runBackup } from '../lib/backup/run-backup.js';
import { DEFAULT_BACKUP_OPTIONS, type BackupOptions } from '../lib/backup/types.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { AlreadyExists } from '../lib/kube/errors.js';
import { DEFAULT_LIMITS } from '../lib/kube/http.js';
import { KubeCluster, loadKubeConfig } from '../lib/kube/kube-cluster.js';
import type { KubeObject } from '../lib/model/object.js';
import { parseBackupSpec } from '../lib/spec/backup-spec.js';
import { BucketLayout } from '../lib/store/layout.js';
import { kubeconfigPath, stackDir, stackEnv, stackStore } from '../test/support/stack.js';
import { runPool } from '../lib/pool.js';

const NAMESPACES = 20;
const KINDS = ['configmaps', 'secrets', 'deployments'] as const;
const PREFIX = 'ferry-bench';

interface ChildResult {
  mode: 'ferry' | 'limit'; objects: number; seconds: number; bytes: number; maxRssMiB: number; phase?: string; failureReason?: string;
  /** CPU time of the child's whole process (every thread: compression, JIT, GC) during the timed window. */
  cpuSeconds: number;
  /** CPU time of the stack's servers (source API server, etcd, S3 server) during the child's run; set by the parent. */
  serverCpuSeconds?: number;
}

/** Namespaces are named per run: deleted ones stay Terminating (the stack runs no namespace controller). */
let runId = process.env.FERRY_BENCH_RUN ?? Date.now().toString(36);

/** Set by --source-run (passed to the children in FERRY_BENCH_SOURCE): back up bench/restore.ts's objects. */
const sourceRun = process.env.FERRY_BENCH_SOURCE ?? (process.argv.includes('--source-run') ? process.argv[process.argv.indexOf('--source-run') + 1] : undefined);

function namespacesOf(size: number): string[] {
  if (sourceRun) return Array.from({ length: NAMESPACES }, (_, i) => `${sourceRun}${size}-src-${i}`);
  return Array.from({ length: NAMESPACES }, (_, i) => `${PREFIX}-${runId}-${size}-${String(i).padStart(2, '0')}`);
}

/**
 * What fills each object: `random`, hex digits (the default; zlib finds almost nothing to shorten but the digits'
 * 4 bits), or `text`, configuration-like lines from a small vocabulary, as ConfigMaps mostly hold (zlib shortens
 * them several times, and fast). Set by --payload.
 */
let payload: 'random' | 'text' = 'random';
const WORDS = ['server', 'port', 'timeout', 'enabled', 'cache', 'size', 'log', 'level', 'info', 'retry', 'max', 'pool',
  'database', 'url', 'https', 'feature', 'true', 'false', 'user', 'region', 'replicas', 'memory', 'limit', 'path'];

/** Configuration-like text of `length` characters, the same for the same seed. */
function configText(seed: number, length: number): string {
  let x = seed * 2654435761 % 4294967296 || 1;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  let out = '';
  while (out.length < length) {
    const word = () => WORDS[next() % WORDS.length]!;
    out += `${word()}.${word()}.${word()}=${next() % 3 === 0 ? next() % 10000 : `${word()}-${word()}`}\n`;
  }
  return out.slice(0, length);
}

/** About 2 KB of JSON per object. */
function objectsFor(size: number): KubeObject[] {
  let n = 0;
  const pad = () => (payload === 'text' ? configText(++n, 1500) : randomBytes(900).toString('hex').slice(0, 1500));
  const out: KubeObject[] = [];
  const nss = namespacesOf(size);
  for (let i = 0; i < size; i++) {
    const namespace = nss[i % NAMESPACES]!;
    const name = `obj-${i}`;
    const labels = { app: `app-${i % 7}`, bench: 'ferry' };
    const kind = KINDS[i % 3];
    if (kind === 'configmaps') out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data: { payload: pad() } });
    else if (kind === 'secrets') out.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, labels }, type: 'Opaque', stringData: { payload: pad().slice(0, 1100) } });
    else {
      out.push({
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace, labels, annotations: { 'bench.ferry.dev/payload': pad().slice(0, 1000) } },
        spec: { replicas: 1, selector: { matchLabels: { app: labels.app } }, template: { metadata: { labels: { app: labels.app } },
          spec: { containers: [{ name: 'web', image: 'registry.example.com/team/web:1.2.3', ports: [{ containerPort: 8080 }], env: [{ name: 'MODE', value: 'bench' }] }] } } },
      });
    }
  }
  return out;
}

/** A cluster client for seeding only: higher limits than a backup uses, so that seeding 10,000 objects is quick. */
function seedingCluster(): KubeCluster {
  return new KubeCluster(loadKubeConfig(kubeconfigPath('source')), { ...DEFAULT_LIMITS, qps: 400, burst: 800, maxSockets: 32 });
}

async function seed(size: number): Promise<void> {
  const cluster = seedingCluster();
  const ignore = (err: unknown) => { if (!(err instanceof AlreadyExists)) throw err; };
  await runPool(namespacesOf(size), 8, async (name) => { await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }).catch(ignore); });
  const started = Date.now();
  await runPool(objectsFor(size), 32, async (o) => { await cluster.create(o).catch(ignore); });
  console.error(`[bench] seeded ${size} objects in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  cluster.close();
}

async function cleanup(size: number): Promise<void> {
  const cluster = seedingCluster();
  await runPool(objectsFor(size), 32, (o) => cluster.delete(o.apiVersion, o.kind, o.metadata.name!, o.metadata.namespace));
  // Without a controller-manager a deleted namespace stays Terminating; its objects are gone already.
  await runPool(namespacesOf(size), 8, (name) => cluster.delete('v1', 'Namespace', name));
  cluster.close();
}

/** One Ferry backup of the size's namespaces and kinds, in this process. */
async function childFerry(size: number, tag: string, options: Partial<BackupOptions> = {}): Promise<ChildResult> {
  const cluster = new KubeCluster(loadKubeConfig(kubeconfigPath('source')));
  const spec = parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: `bench-${size}-${tag}` },
    spec: { includedNamespaces: namespacesOf(size), includedResources: [...KINDS] } }, 'bench');
  // FERRY_BENCH_MEMORY=1 samples where the memory goes (heap, buffers) and prints each field's peak, and the peak
  // RSS by each tenth of the items backed up (whether it grows with the items, or levels off).
  const peaks: Record<string, number> = {};
  const rssByTenth: string[] = [];
  const sampler = process.env.FERRY_BENCH_MEMORY ? setInterval(() => {
    for (const [k, v] of Object.entries(process.memoryUsage())) peaks[k] = Math.max(peaks[k] ?? 0, Math.round(v / 1048576));
  }, 20) : undefined;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const store = stackStore();
  // FERRY_BENCH_TRACE=1 prints when each bucket call and discovery start and end (ms since the run started).
  if (process.env.FERRY_BENCH_TRACE) {
    const trace = <T extends object>(target: T, names: string[]) => {
      for (const name of names) {
        const fn = (target as Record<string, (...a: unknown[]) => unknown>)[name]!.bind(target);
        (target as Record<string, unknown>)[name] = (...args: unknown[]) => {
          const t0 = performance.now() - started;
          const out = fn(...args);
          if (out instanceof Promise) {
            const what = typeof args[0] === 'object' && args[0] ? `${(args[0] as { resource?: string }).resource ?? ''} ${(args[1] as { namespace?: string } | undefined)?.namespace ?? ''}` : String(args[0]);
            void out.finally(() => console.error(`[trace] ${name} ${what.slice(-40)} ${t0.toFixed(0)}-${(performance.now() - started).toFixed(0)} ms`)).catch(() => undefined);
          }
          return out;
        };
      }
    };
    trace(store, ['put', 'upload']);
    trace(cluster, ['discover', 'listPageBytes']);
  }
  const onProgress = process.env.FERRY_BENCH_MEMORY ? (p: { itemsBackedUp: number }) => {
    const tenth = Math.min(10, Math.floor((p.itemsBackedUp * 10) / size));
    while (rssByTenth.length < tenth) rssByTenth.push(`${peaks.rss}/${peaks.heapTotal}/${peaks.external}`);
  } : undefined;
  const outcome = await runBackup(spec, { store, layout: new BucketLayout(`${PREFIX}/${tag}`), cluster, clock: () => new Date(), options, ...(onProgress ? { onProgress } : {}) });
  if (process.env.FERRY_BENCH_TRACE) console.error(`[trace] done ${(performance.now() - started).toFixed(0)} ms`);
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuSecondsSince(cpu);
  clearInterval(sampler);
  cluster.close();
  if (process.env.FERRY_BENCH_MEMORY) console.error(JSON.stringify({ peaks, rssByTenth }));
  const tarball = Object.entries(outcome.files).find(([f]) => f.endsWith('.tar.gz'))?.[1]?.size ?? 0;
  const objects = KINDS.reduce((n, k) => n + (outcome.byResource[k === 'deployments' ? 'deployments.apps' : k] ?? 0), 0);
  return { mode: 'ferry', objects, seconds, cpuSeconds, bytes: tarball, maxRssMiB: process.resourceUsage().maxRSS / 1024, phase: outcome.phase,
    ...(outcome.failureReason ? { failureReason: outcome.failureReason } : {}) };
}

/** The limit: the same paged LISTs, raw bytes into one streamed upload, nothing else. */
async function childLimit(size: number, tag: string): Promise<ChildResult> {
  const kc = loadKubeConfig(kubeconfigPath('source'));
  const server = new URL(kc.getCurrentCluster()!.server);
  const agent = new https.Agent({ keepAlive: true, maxSockets: DEFAULT_LIMITS.maxSockets });
  const body = new PassThrough();
  const store = stackStore();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const upload = store.upload(`${PREFIX}/${tag}/limit-${size}.json`, body);
  let bytes = 0;
  let objects = 0;
  const paths = KINDS.flatMap((kind) => namespacesOf(size).map((ns) => (kind === 'deployments' ? `/apis/apps/v1/namespaces/${ns}/deployments` : `/api/v1/namespaces/${ns}/${kind}`)));
  await runPool(paths, DEFAULT_BACKUP_OPTIONS.concurrency, async (path) => {
    let token: string | undefined;
    do {
      const raw = await get(kc, server, agent, `${path}?limit=${DEFAULT_BACKUP_OPTIONS.pageSize}${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
      // The continue token sits in the list's metadata, at the head of the body: read it there, parse nothing else.
      const head = raw.subarray(0, 2048).toString('utf8');
      token = /"continue":"([^"]+)"/.exec(head)?.[1];
      objects += countItems(raw);
      bytes += raw.length;
      if (!body.write(raw)) await new Promise((resolve) => body.once('drain', resolve));
    } while (token);
  });
  body.end();
  await upload;
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuSecondsSince(cpu);
  agent.destroy();
  return { mode: 'limit', objects, seconds, cpuSeconds, bytes, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1e6;
}

/** CPU seconds the stack's servers (source API server, etcd, S3 server) have used so far, from /proc. */
function serverCpuSeconds(): number {
  const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  let total = 0;
  for (const server of ['source', 'etcd', 'versitygw']) {
    const pid = readFileSync(join(stackDir(), `${server}.pid`), 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(fields[11]) + Number(fields[12])) / ticks;
  }
  return total;
}

/** Counts items by their `"uid":` keys (one per object); a cheap scan, not a parse. */
function countItems(raw: Buffer): number {
  let n = 0;
  for (let i = raw.indexOf('"uid":'); i >= 0; i = raw.indexOf('"uid":', i + 6)) n++;
  return n;
}

async function get(kc: KubeConfig, server: URL, agent: http.Agent, path: string): Promise<Buffer> {
  const opts: https.RequestOptions = { method: 'GET', hostname: server.hostname, port: server.port, path, agent, headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  opts.agent = agent; // applyToHTTPSOptions puts a fresh Agent there; keep the connections alive, as Ferry does
  return new Promise((resolve, reject) => {
    const req = (server.protocol === 'https:' ? https : http).request(opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`GET ${path}: ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Bundles this script with esbuild, as the functions are deployed: run through tsx instead, loading
 * @kubernetes/client-node alone costs over 200 MiB of RSS, which would measure the loader rather than the backup.
 */
async function bundle(): Promise<string> {
  const outfile = join(mkdtempSync(join(tmpdir(), 'ferry-bench-')), 'backup.mjs');
  await bundleBench(fileURLToPath(import.meta.url), outfile);
  return outfile;
}

function runChild(script: string, mode: 'ferry' | 'limit', size: number, tag: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, '--child', mode, '--size', String(size), '--tag', tag],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...credentialsEnv(), FERRY_STACK_DIR: stackDir(), FERRY_BENCH_RUN: runId, ...(sourceRun ? { FERRY_BENCH_SOURCE: sourceRun } : {}),
        ...(mode === 'ferry' ? { NODE_OPTIONS: deployedNodeOptions('backup') } : {}) } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult) : reject(new Error(`${mode} child exited ${code}`))));
  });
}

/** A child run, with the servers' CPU time during it (which includes the child's start, a few idle milliseconds). */
async function runMeasured(script: string, mode: 'ferry' | 'limit', size: number, tag: string): Promise<ChildResult> {
  const before = serverCpuSeconds();
  const result = await runChild(script, mode, size, tag);
  return { ...result, serverCpuSeconds: serverCpuSeconds() - before };
}

function credentialsEnv(): Record<string, string> {
  const env = stackEnv();
  return {
    AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID!, AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY!, NODE_NO_WARNINGS: '1',
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };
  const child = arg('child');
  if (child) {
    const size = Number(arg('size'));
    // --gzip and --concurrency let one try other options of a Ferry run by hand.
    const options: Partial<BackupOptions> = {
      ...(arg('gzip') ? { gzipLevel: Number(arg('gzip')) } : {}), ...(arg('concurrency') ? { concurrency: Number(arg('concurrency')) } : {}),
    };
    const result = child === 'ferry' ? await childFerry(size, arg('tag')!, options) : await childLimit(size, arg('tag')!);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const sizes = (arg('sizes') ?? '1000,10000').split(',').map(Number);
  if (arg('payload') === 'text' || arg('payload') === 'random') payload = arg('payload') as 'random' | 'text';
  else if (arg('payload') !== undefined) throw new Error(`--payload: random or text, not ${arg('payload')}`);
  const runs = Number(arg('runs') ?? 3);
  // --cleanup-run <id>: delete what a run kept (--keep) for the given sizes, and nothing else.
  if (arg('cleanup-run')) {
    runId = arg('cleanup-run')!;
    for (const size of sizes) await cleanup(size);
    return;
  }
  const reuse = arg('reuse-run');
  runId = reuse ?? Date.now().toString(36);
  const tag = `run-${Date.now().toString(36)}`;
  if (argv.includes('--keep')) console.error(`[bench] run ${runId}: remove what it keeps with --cleanup-run ${runId} --sizes ${sizes.join(',')}`);
  const rows: string[] = [];
  const script = await bundle();
  for (const size of sizes) {
    if (!sourceRun && !reuse) await seed(size);
    const results: ChildResult[] = [];
    for (let r = 0; r < runs; r++) {
      // Alternate the order so that neither side always runs on a warmer server.
      const order: ('ferry' | 'limit')[] = r % 2 === 0 ? ['limit', 'ferry'] : ['ferry', 'limit'];
      for (const mode of order) {
        let result: ChildResult = await runMeasured(script, mode, size, `${tag}-${r}`).catch((err: Error) => ({ mode, objects: 0, seconds: 0, cpuSeconds: 0, bytes: 0, maxRssMiB: 0, phase: 'Failed', failureReason: err.message }));
        // The shared stack's S3 server restarts now and then (other test suites reconfigure it): run again once.
        if (result.phase && result.phase !== 'Completed') {
          console.error(`[bench] ${mode} ended ${result.phase} (${result.failureReason ?? 'no reason'}); running it again`);
          result = await runMeasured(script, mode, size, `${tag}-${r}b`);
        }
        console.error(`[bench] N=${size} run ${r + 1} ${mode}: ${result.objects} objects in ${result.seconds.toFixed(2)} s, ${(result.bytes / 1048576).toFixed(1)} MiB, peak RSS ${result.maxRssMiB.toFixed(0)} MiB, CPU ${result.cpuSeconds.toFixed(2)} s + servers ${(result.serverCpuSeconds ?? 0).toFixed(2)} s${result.phase ? `, ${result.phase}` : ''}`);
        results.push(result);
      }
    }
    const of = (mode: string) => results.filter((x) => x.mode === mode);
    const ferryRate = median(of('ferry').map((x) => x.objects / x.seconds));
    const limitRate = median(of('limit').map((x) => x.objects / x.seconds));
    const cpu = (mode: string) => `${median(of(mode).map((x) => x.cpuSeconds)).toFixed(2)} + ${median(of(mode).map((x) => x.serverCpuSeconds ?? 0)).toFixed(2)}`;
    rows.push(`| ${size.toLocaleString('en')} | ${ferryRate.toFixed(0)} | ${limitRate.toFixed(0)} | ${(ferryRate / limitRate).toFixed(2)} | ${Math.max(...of('ferry').map((x) => x.maxRssMiB)).toFixed(0)} MiB | ${Math.max(...of('limit').map((x) => x.maxRssMiB)).toFixed(0)} MiB | ${cpu('ferry')} | ${cpu('limit')} |`);
    if (!argv.includes('--keep') && !sourceRun && !reuse) await cleanup(size);
  }
  await deletePrefix(`${PREFIX}/${tag}`);
  console.log(`| objects | Ferry objects/s | limit objects/s | ratio | Ferry peak RSS | limit peak RSS | Ferry CPU-s (own + servers) | limit CPU-s (own + servers) |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n${rows.join('\n')}`);
  console.log(`\n(median of ${runs} runs each; ${sourceRun ? `bench/restore.ts's objects (run ${sourceRun}<size>)` : `${payload} payload`}; ${describeMachine()})`);
}

async function deletePrefix(prefix: string): Promise<void> {
  const store = stackStore();
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  await runPool(keys, 8, (k) => store.delete(k));
}

function describeMachine(): string {
  const cpus = execFileSync('nproc', { encoding: 'utf8' }).trim();
  return `${cpus} CPUs, Node ${process.version}, API server, etcd and S3 server on the same machine`;
}

Object.assign(process.env, credentialsEnv());
await main(process.argv.slice(2));
