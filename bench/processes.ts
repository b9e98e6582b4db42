// What the side-by-side benches do to processes and the stack: run a command under GNU time, read CPU seconds of
// running servers from /proc, the load average, the `ferry` command as a user runs it, and cleaning namespaces.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AlreadyExists } from '../lib/kube/errors.js';
import { KubeCluster, loadKubeConfig } from '../lib/kube/kube-cluster.js';
import type { KubeObject } from '../lib/model/object.js';
import { runPool } from '../lib/pool.js';
import { kubeconfigPath, stackDir, stackEnv } from '../test/support/stack.js';
import { cpuSecondsFromStat, parseTimeOutput } from './measure.js';

const repo = resolve(import.meta.dirname, '..');

/** What one command run under GNU time did. */
export interface TimedRun {
  code: number | null;
  out: string;
  err: string;
  /** Wall seconds from spawn to exit, measured here. */
  seconds: number;
  /** User plus system CPU seconds of the command and its children, from GNU time. */
  cpuSeconds: number;
}

/** Runs `command args...` under `/usr/bin/time` to its end. */
export function timedCommand(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<TimedRun> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-time-'));
  const timeFile = join(dir, 'time');
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '%e %U %S', '-o', timeFile, command, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { err = (err + c.toString()).slice(-200_000); });
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      try {
        done({ code, out, err, seconds, cpuSeconds: parseTimeOutput(readFileSync(timeFile, 'utf8')).cpuSeconds });
      } catch (cause) {
        fail(new Error(`${command} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`, { cause }));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds process `pid` has used so far. */
export function pidCpuSeconds(pid: number): number {
  return cpuSecondsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), ticks);
}

/** The pids of the stack's servers a run in `plane` loads: its API server, etcd and the S3 server. */
export function stackServerPids(plane: 'source' | 'target'): number[] {
  return [plane, 'etcd', 'versitygw'].map((server) => Number(readFileSync(join(stackDir(), `${server}.pid`), 'utf8').trim()));
}

/** CPU seconds used so far by all of `pids` together. */
export function cpuOf(pids: readonly number[]): number {
  return pids.reduce((n, pid) => n + pidCpuSeconds(pid), 0);
}

/** The 1-, 5- and 15-minute load averages, as uptime prints them. */
export function loadAverage(): string {
  return loadavg().map((l) => l.toFixed(2)).join(', ');
}

/** The node that runs `ferry` in a clone (Node 24 from `npm ci`), as `node_modules/.bin/node bin/ferry.js` does. */
export function ferryCommand(): { command: string; args: string[] } {
  const node = join(repo, 'node_modules/.bin/node');
  return { command: existsSync(node) ? node : process.execPath, args: [join(repo, 'bin/ferry.js')] };
}

/** The environment of a user who sourced .stack/env and exported FERRY_CONFIG. */
export function ferryUserEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ...stackEnv(), FERRY_CONFIG: join(stackDir(), 'ferry.yaml') };
}

/** Runs `ferry args...` under GNU time; a non-zero exit throws with the command's last output. */
export async function timedFerry(args: string[]): Promise<TimedRun> {
  const { command, args: pre } = ferryCommand();
  const run = await timedCommand(command, [...pre, ...args], ferryUserEnv());
  if (run.code !== 0) throw new Error(`ferry ${args.join(' ')} exited ${run.code}:\n${run.err.slice(-3000)}\n${run.out.slice(-2000)}`);
  return run;
}

/** The collections bench objects live in, per namespace (see bench/objects.ts). */
const COLLECTIONS = ['/api/v1/namespaces/NS/configmaps', '/api/v1/namespaces/NS/secrets', '/apis/apps/v1/namespaces/NS/deployments'];

/**
 * Deletes every ConfigMap, Secret and Deployment in `namespaces` of `plane` with one DELETE per collection (the
 * stack runs no namespace controller, so deleting a namespace would leave its objects): keeps the API server from
 * growing run by run. The namespaces themselves stay.
 */
export async function emptyNamespaces(plane: 'source' | 'target', namespaces: readonly string[]): Promise<void> {
  const kc = loadKubeConfig(kubeconfigPath(plane));
  const server = new URL(kc.getCurrentCluster()!.server);
  const paths = namespaces.flatMap((ns) => COLLECTIONS.map((c) => c.replace('NS', encodeURIComponent(ns))));
  await runPool(paths, 4, async (path) => {
    const options: https.RequestOptions = { method: 'DELETE', hostname: server.hostname, port: server.port, path, headers: { Accept: 'application/json' } };
    await kc.applyToHTTPSOptions(options);
    await new Promise<void>((done, fail) => {
      const req = https.request(options, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 || res.statusCode === 404 ? done() : fail(new Error(`DELETE ${path}: ${res.statusCode}`))));
      });
      req.on('error', fail);
      req.end();
    });
  });
}

/**
 * Creates `objects` and their namespaces in `plane` (32 at a time, the default client limits), skipping what exists:
 * the bench's source objects, created before anything is timed.
 */
export async function seedObjects(plane: 'source' | 'target', objects: readonly KubeObject[]): Promise<void> {
  const cluster = new KubeCluster(loadKubeConfig(kubeconfigPath(plane)));
  const skipExisting = (err: unknown) => { if (!(err instanceof AlreadyExists)) throw err; };
  for (const name of new Set(objects.map((o) => o.metadata.namespace!))) {
    await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }).catch(skipExisting);
  }
  await runPool(objects, 32, async (o) => { await cluster.create(o).catch(skipExisting); });
  cluster.close();
}
