/**
 * Volume data speed against `tar | gzip`, on the local stack with nodes (`bash scripts/stack/stack.sh up` first):
 *
 *   npx tsx bench/volume-data.ts [--mib 1024] [--mover-cpu 1|0] [--keep]
 *
 * Writes a volume of about --mib MiB of mixed files into a claim of the source plane: many small files (half text,
 * half random bytes), a few large compressible text files (log lines), a few large random files and some of 1 MiB.
 * Then, in one run:
 *   ferry backup   runBackup of the claim's namespace through the kopia mover, default settings (the path a user runs)
 *   ferry restore  runRestore of that backup into a new namespace of the target plane (a new claim, filled by a mover)
 *   tar backup     `tar -cf - . | gzip` of the same folder, streamed to the same bucket (one multipart upload)
 *   tar restore    the same object downloaded, `gzip -d | tar -xf -` into a new folder on the same disk
 * and prints seconds, bytes stored and the ratios (Ferry / tar; under 1: Ferry is faster or smaller). Then the
 * incremental figures: a second backup of the unchanged volume and one after a single 8 MiB file changed, as bytes
 * the repository grew by. Run it on its own: the figures depend on the machine's free cores.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { runBackup } from '../lib/backup/run-backup.js';
import type { Cluster } from '../lib/kube/cluster.js';
import type { KubeObject } from '../lib/model/object.js';
import { runRestore } from '../lib/restore/run-restore.js';
import { parseBackupSpec } from '../lib/spec/backup-spec.js';
import { DEFAULT_MOVER_RESOURCES } from '../lib/spec/mover-resources.js';
import { parseRestoreSpec } from '../lib/spec/restore-spec.js';
import { BucketLayout } from '../lib/store/layout.js';
import { stackMover } from '../test/support/mover.js';
import { createAll } from '../test/support/seed.js';
import { freshName, stackCluster, stackStore } from '../test/support/stack.js';
import { deleteNamespaces, volumeFolderOf } from '../test/support/workloads.js';

const MIB = 1024 * 1024;
const args = process.argv.slice(2);
const totalMib = Number(args[args.indexOf('--mib') + 1] ?? 1024) || 1024;
const keep = args.includes('--keep');
/** --mover-cpu N: mover pods request N CPUs (see withMoverCpu) instead of Ferry's default (DEFAULT_MOVER_RESOURCES). */
const moverCpu = args.includes('--mover-cpu') ? args[args.indexOf('--mover-cpu') + 1] : undefined;
/** The restore's log lines with the seconds since the bench started (where a restore spends its time). */
const started = Date.now();
const stamped = (m: string) => console.error(`[bench] +${((Date.now() - started) / 1000).toFixed(1)} s ${m}`);
const restoreLog = { info: stamped, warn: stamped };
const layout = new BucketLayout('ferry-bench-volume');
const store = stackStore();
const source = withMoverCpu(stackCluster('source'));
const target = withMoverCpu(stackCluster('target'));
const app = freshName('bench-vol');
const into = freshName('bench-vol-restored');

/**
 * The cluster with every Job it creates given another CPU request (--mover-cpu; "0" for none). NOTE: a container
 * without one is BestEffort, and with the local stack's cgroup v1 nodes that means cpu.shares 2 against 1024 for any
 * process outside the pods (tar and gzip here): on a busy machine the mover gets a sliver of a core.
 */
function withMoverCpu<T extends Cluster>(cluster: T): T {
  if (!moverCpu) return cluster;
  return new Proxy(cluster, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property !== 'create' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return (object: KubeObject) => {
        if (object.kind !== 'Job') return target.create(object);
        const job = structuredClone(object) as KubeObject & { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
        for (const c of job.spec.template.spec.containers) c.resources = moverCpu === '0' ? {} : { requests: { cpu: moverCpu } };
        return target.create(job);
      };
    },
  });
}

/** A small deterministic generator (xorshift), so the text files differ everywhere without costing crypto time. */
function words(seed: number): () => number {
  let x = seed | 1;
  return () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return x >>> 0;
  };
}

const VOCABULARY = ['GET', 'POST', 'PUT', '/api/v1/orders', '/api/v1/users', '/healthz', '/static/app.js', '200', '201', '304', '404', '500',
  'INFO', 'WARN', 'ERROR', 'request', 'completed', 'user', 'session', 'cache', 'hit', 'miss', 'upstream', 'latency_ms'];

/** Log lines: timestamps, words from a small vocabulary and numbers; made once, picked at random for each file. */
const LINES = (() => {
  const next = words(7);
  let t = 1_700_000_000_000;
  return Array.from({ length: 1 << 16 }, () => {
    t += next() % 5000;
    return `${new Date(t).toISOString()} ${VOCABULARY[next() % 12]} ${VOCABULARY[3 + (next() % 4)]} ${VOCABULARY[7 + (next() % 5)]} `
      + `${VOCABULARY[12 + (next() % 3)]} ${VOCABULARY[15 + (next() % 9)]} id=${next().toString(16)} ${VOCABULARY[23]}=${next() % 2000}\n`;
  });
})();

/** `bytes` of log-like text, a different sequence of lines for every seed (gzip shrinks it about 5 to 8 times). */
function logText(bytes: number, seed: number): Buffer {
  const next = words(seed);
  const out = Buffer.allocUnsafe(bytes + 256);
  let size = 0;
  while (size < bytes) size += out.write(LINES[next() & 0xffff]!, size, 'latin1');
  return out.subarray(0, bytes);
}

/** Writes the mixed tree; returns what it wrote. */
function writeTree(root: string, total: number): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const put = (rel: string, body: Buffer) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), body);
    files++;
    bytes += body.length;
  };
  const small = Math.round(total * 0.04 / 4096);
  for (let i = 0; i < small; i++) {
    const size = 512 + ((i * 2654435761) >>> 0) % 7168;
    put(`small/d${String(i % 100).padStart(2, '0')}/f${i}.${i % 2 ? 'bin' : 'txt'}`, i % 2 ? randomBytes(size) : logText(size, i + 1));
  }
  for (let i = 0; i < Math.round(total * 0.06 / MIB); i++) put(`medium/m${i}.${i % 2 ? 'bin' : 'log'}`, i % 2 ? randomBytes(MIB) : logText(MIB, 10_000 + i));
  const text = Math.round(total * 0.4 / (48 * MIB));
  for (let i = 0; i < text; i++) put(`logs/app-${i}.log`, logText(48 * MIB, 20_000 + i));
  for (let i = 0; bytes < total - 8 * MIB; i++) put(`blobs/b${i}.bin`, randomBytes(Math.min(128 * MIB, total - 8 * MIB - bytes)));
  put('changing.bin', randomBytes(8 * MIB));
  return { files, bytes };
}

/** Runs `command` in sh with stdin/stdout as given; rejects on a non-zero exit. */
function shell(command: string, io: { stdin?: NodeJS.ReadableStream; onStdout?: (out: NodeJS.ReadableStream) => Promise<unknown> }): Promise<void> {
  const child = spawn('sh', ['-c', command], { stdio: [io.stdin ? 'pipe' : 'ignore', io.onStdout ? 'pipe' : 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command}: exit ${code}`)))));
  const feeding = io.stdin ? pipeline(io.stdin, child.stdin!) : Promise.resolve();
  const reading = io.onStdout ? io.onStdout(child.stdout!) : Promise.resolve();
  return Promise.all([exited, feeding, reading]).then(() => undefined);
}

async function repositoryBytes(): Promise<number> {
  let total = 0;
  for await (const o of store.list(layout.repositoryPrefix(app))) total += o.size;
  return total;
}

async function timed<T>(what: string, run: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  stamped(`${what}: ${seconds.toFixed(1)} s`);
  return { seconds, value };
}

async function ferryBackup(): Promise<{ seconds: number; added: number }> {
  const before = await repositoryBytes();
  const name = freshName('bench-vol-backup');
  const spec = parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name }, spec: { backupType: 'AppAndPvBackup', includedNamespaces: [app] } }, 'backup.yaml');
  const { seconds, value } = await timed(`ferry backup ${name}`, () => runBackup(spec, { store, layout, cluster: source, clock: () => new Date(), volumeMover: stackMover(source, layout, undefined, 30 * 60_000) }));
  if (value.phase !== 'Completed') throw new Error(`backup ${name}: ${value.phase} ${JSON.stringify(value.results.errors)}`);
  lastBackup = name;
  return { seconds, added: (await repositoryBytes()) - before };
}
let lastBackup = '';

async function main(): Promise<void> {
  await createAll(source, [{
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: app },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '4Gi' } }, storageClassName: 'ferry-local' },
  }]);
  const folder = await volumeFolderOf(source, app, 'data');
  const tree = (await timed('writing the tree', async () => writeTree(folder, totalMib * MIB))).value;
  console.error(`[bench] tree: ${tree.files} files, ${(tree.bytes / MIB).toFixed(0)} MiB`);
  const scratch = mkdtempSync(join(tmpdir(), 'bench-untar-'));
  try {
    const ferry = await ferryBackup();
    const backupName = lastBackup;
    const restoreName = freshName('bench-vol-restore');
    const restore = await timed('ferry restore', () => runRestore({ name: restoreName, spec: parseRestoreSpec({
      apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name: restoreName }, spec: { backupName, namespaceMapping: { [app]: into } },
    }, 'restore.yaml'), dryRun: false }, { store, layout, cluster: target, now: () => new Date(), log: restoreLog, volumeMover: stackMover(target, layout, undefined, 30 * 60_000) }));
    if (Object.keys(restore.value.results.errors).length) throw new Error(`restore: ${JSON.stringify(restore.value.results.errors)}`);
    const key = `${layout.repositoryPrefix(app).replace(/kopia\/.*$/, '')}tar/${app}.tar.gz`;
    const tarBackup = await timed('tar | gzip backup', () => shell(`tar -C '${folder}' -cf - . | gzip -c`, { onStdout: (out) => store.upload(key, out as never) }));
    const tarBytes = (await store.head(key))!.size;
    const tarRestore = await timed('tar restore', async () => {
      const { body } = await store.get(key);
      await shell(`gzip -dc | tar -C '${scratch}' -xf -`, { stdin: body });
    });
    const unchanged = await ferryBackup();
    writeFileSync(join(folder, 'changing.bin'), randomBytes(8 * MIB));
    const oneFile = await ferryBackup();
    const r = (a: number, b: number) => Number((a / b).toFixed(2));
    const result = {
      moverCpuRequest: moverCpu === '0' ? 'none (BestEffort pods)' : moverCpu ?? `${DEFAULT_MOVER_RESOURCES.requests.cpu} (Ferry's default)`,
      volume: { files: tree.files, bytes: tree.bytes },
      ferry: { backupSeconds: r(ferry.seconds, 1), restoreSeconds: r(restore.seconds, 1), storedBytes: ferry.added },
      tarGzip: { backupSeconds: r(tarBackup.seconds, 1), restoreSeconds: r(tarRestore.seconds, 1), storedBytes: tarBytes },
      ratios: { backup: r(ferry.seconds, tarBackup.seconds), restore: r(restore.seconds, tarRestore.seconds), stored: r(ferry.added, tarBytes) },
      incremental: {
        unchanged: { seconds: r(unchanged.seconds, 1), bytesUploaded: unchanged.added, ofVolume: `${(100 * unchanged.added / tree.bytes).toFixed(3)}%` },
        oneFileOf8MiBChanged: { seconds: r(oneFile.seconds, 1), bytesUploaded: oneFile.added },
      },
    };
    console.log(JSON.stringify(result, null, 2));
    await store.delete(key);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    if (!keep) for await (const o of store.list(layout.repositoryPrefix(app).replace(/kopia\/.*$/, ''))) await store.delete(o.key);
    if (!keep) await deleteNamespaces(source, [app]).then(() => deleteNamespaces(target, [into])).catch((err: unknown) => console.error(`[bench] clean-up: ${String(err)}`));
  }
}

await main();
