// Velero v1.18.1 and its AWS plugin against the local stack: built into the cache on first use (scripts/stack/build.sh
// velero), installed into a plane with `velero install`, and its server run as a local process.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { kubeconfigPath, stackEnv } from './stack.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/** The velero binary and the folder holding only its AWS plugin. */
export interface VeleroBinaries {
  velero: string;
  pluginDir: string;
}

/** Builds Velero and the plugin when the cache lacks them (minutes on 2 cores the first time), and names them. */
export function veleroBinaries(): VeleroBinaries {
  const out = execFileSync('nice', ['-n', '10', 'bash', join(root, 'scripts/stack/build.sh'), 'velero'], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 90 * 60 * 1000,
  });
  const [velero, pluginDir] = out.trim().split('\n').pop()!.split(' ');
  return { velero: velero!, pluginDir: pluginDir! };
}

/** A Velero install in one plane of the stack: its namespace, bucket prefix and the files its server uses. */
export interface VeleroSetup {
  binaries: VeleroBinaries;
  plane: 'source' | 'target';
  namespace: string;
  prefix: string;
  credentialsFile: string;
}

/** The environment Velero and its plugin run with: the stack's S3 credentials, checksums only when required. */
export function veleroEnv(setup: VeleroSetup): NodeJS.ProcessEnv {
  // NOTE: versitygw does not take the SDK's default request checksums; the plugin sends them only when required.
  return {
    ...process.env, AWS_SHARED_CREDENTIALS_FILE: setup.credentialsFile, AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required', HOME: process.env.HOME ?? homedir(),
  };
}

/** Runs `velero args...` against the setup's plane and namespace; resolves with stdout and stderr. */
export async function velero(setup: VeleroSetup, args: string[], timeoutMs = 5 * 60 * 1000): Promise<{ out: string; err: string }> {
  const { stdout, stderr } = await run(setup.binaries.velero, [...args, '--kubeconfig', kubeconfigPath(setup.plane), '--namespace', setup.namespace], {
    env: veleroEnv(setup), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024,
  });
  return { out: stdout, err: stderr };
}

/**
 * `velero install` into `plane`: CRDs, the namespace, the credentials secret, the `velero` Deployment (its pods never
 * run here: the server runs as a local process, but restores need the Deployment) and the default
 * BackupStorageLocation over the stack's bucket at `prefix`.
 */
export async function installVelero(binaries: VeleroBinaries, plane: 'source' | 'target', namespace: string, prefix: string): Promise<VeleroSetup> {
  const env = stackEnv();
  const dir = mkdtempSync(join(tmpdir(), 'ferry-velero-'));
  const credentialsFile = join(dir, 'credentials');
  writeFileSync(credentialsFile, `[default]\naws_access_key_id=${env.AWS_ACCESS_KEY_ID}\naws_secret_access_key=${env.AWS_SECRET_ACCESS_KEY}\n`, { mode: 0o600 });
  const setup: VeleroSetup = { binaries, plane, namespace, prefix, credentialsFile };
  await velero(setup, ['install', '--provider', 'aws', '--plugins', 'velero/velero-plugin-for-aws:v1.14.3', '--bucket', env.FERRY_S3_BUCKET!,
    '--prefix', prefix, '--secret-file', credentialsFile, '--use-volume-snapshots=false',
    '--backup-location-config', `region=${env.FERRY_S3_REGION ?? 'us-east-1'},s3ForcePathStyle=true,s3Url=${env.FERRY_S3_ENDPOINT},checksumAlgorithm=`]);
  return setup;
}

/** A running `velero server`, stopped by `stop()`. */
export interface VeleroServer {
  process: ChildProcess;
  log: () => string;
  /** Settles once the server has the lock and speaks (its first log line), or fails when it exits before. */
  started: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `velero server` as a local process. It binds :8080 (controller-runtime's metrics, with no flag to move
 * it), so one runs at a time on a machine: it holds a lock in the cache (flock --no-fork, so the server itself holds it) while it runs, and a
 * second waits for the first. The metrics and profiler addresses it has flags for are moved off their defaults.
 */
export function startVeleroServer(setup: VeleroSetup, ports: { metrics: number; profiler: number }): VeleroServer {
  const lock = join(process.env.FERRY_CACHE ?? join(homedir(), '.cache/ferry'), 'velero-server.lock');
  const child = spawn('flock', ['--no-fork', '-w', '1800', lock, setup.binaries.velero, 'server', '--kubeconfig', kubeconfigPath(setup.plane), '--namespace', setup.namespace,
    '--plugin-dir', setup.binaries.pluginDir, '--metrics-address', `127.0.0.1:${ports.metrics}`, '--profiler-address', `127.0.0.1:${ports.profiler}`,
    '--backup-sync-period', '5s', '--store-validation-frequency', '5s', '--log-level', 'info', '--uploader-type', 'kopia'],
  { env: veleroEnv(setup), stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (c: Buffer) => { log = (log + c.toString()).slice(-2_000_000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const closed = new Promise<void>((done) => child.on('close', () => done()));
  const started = new Promise<void>((ok, fail) => {
    child.stderr!.once('data', () => ok());
    child.stdout!.once('data', () => ok());
    void closed.then(() => fail(new Error(`velero server exited (${child.exitCode}) before it started: ${log.slice(-2000)}`)));
  });
  started.catch(() => undefined);
  return {
    process: child,
    log: () => log,
    started,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await closed;
    },
  };
}
