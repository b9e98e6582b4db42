// What the index and expire integration tests share: a functions runtime over the stack's bucket under a fresh
// prefix, and a private versitygw whose event webhook posts to this process (real bucket events).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { freePort } from './ports.js';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createRuntime, type Runtime } from '../../functions/compose.js';
import { createS3Client, S3ObjectStore, type S3Location } from '../../lib/store/s3-store.js';
import { stackEnv, stackS3Location } from './stack.js';

/** A runtime whose only storage location is the stack's bucket under `prefix`; its log lines are kept. */
export function stackRuntime(prefix: string, locations: Record<string, { bucket: string; prefix: string }> = {}): Runtime & { lines: string[] } {
  const env = stackEnv();
  // The S3 client takes its credentials from the environment, as it does in Lambda.
  process.env.AWS_ACCESS_KEY_ID = env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = env.AWS_SECRET_ACCESS_KEY;
  const place = { endpoint: env.FERRY_S3_ENDPOINT, region: 'us-east-1', forcePathStyle: true };
  const storageLocations = {
    default: { bucket: env.FERRY_S3_BUCKET, prefix, ...place },
    ...Object.fromEntries(Object.entries(locations).map(([n, l]) => [n, { ...l, ...place }])),
  };
  const lines: string[] = [];
  const runtime = createRuntime({ FERRY_CONFIG_JSON: JSON.stringify({ storageLocations }), FERRY_LOG_LEVEL: 'info' }, { write: (l) => { lines.push(l); } });
  return Object.assign(runtime, { lines });
}

const execFileAsync = promisify(execFile);


/** A versitygw of our own, on a temporary folder, posting bucket events to `events`. Stop it with stop(). */
export interface PrivateVersity {
  location: S3Location;
  store: S3ObjectStore;
  /** Webhook bodies in arrival order. */
  events: unknown[];
  /** Resolves once `count` events have arrived (or rejects after `ms`). */
  waitForEvents(count: number, ms?: number): Promise<unknown[]>;
  /** Creates an IAM account of role `user` (only with `iam`); it may do only what bucket policies grant it. */
  createUser(accessKeyId: string, secretAccessKey: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a private versitygw with its event webhook pointed at an HTTP server in this process, and one bucket.
 * With `iam`, versitygw keeps IAM accounts (its internal IAM, in the temporary folder) beside the root one.
 */
export async function startPrivateVersity(bucket: string, options: { iam?: boolean } = {}): Promise<PrivateVersity> {
  const versions = readFileSync(resolve(import.meta.dirname, '../../scripts/stack/versions.env'), 'utf8');
  const version = /^VERSITYGW_VERSION=(.+)$/m.exec(versions)![1]!.trim();
  const binary = join(process.env.FERRY_CACHE ?? join(homedir(), '.cache/ferry'), 'bin', `versitygw-${version}`);
  const events: unknown[] = [];
  const waiters: (() => void)[] = [];
  const hook: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      try { events.push(JSON.parse(body)); } catch { events.push(body); }
      res.end('ok');
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const hookPort = (hook.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'ferry-vgw-'));
  mkdirSync(join(dir, 'meta'));
  mkdirSync(join(dir, 'data'));
  if (options.iam) mkdirSync(join(dir, 'iam'));
  const port = await freePort();
  const credentials = { accessKeyId: 'private-access', secretAccessKey: 'private-secret' };
  const env = { ...process.env };
  delete env.VGW_PORT;
  // NOTE: versitygw posts a test event at startup and exits if the webhook does not answer, so the hook listens first.
  const child: ChildProcess = spawn(binary, ['--access', credentials.accessKeyId, '--secret', credentials.secretAccessKey,
    '--port', `127.0.0.1:${port}`, '--quiet', '--event-webhook-url', `http://127.0.0.1:${hookPort}/`,
    ...(options.iam ? ['--iam-dir', join(dir, 'iam')] : []),
    'posix', '--sidecar', join(dir, 'meta'), join(dir, 'data')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
  const location: S3Location = { bucket, endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', forcePathStyle: true, credentials };
  const client = createS3Client(location);
  for (let i = 0; ; i++) {
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      break;
    } catch (err) {
      if (i > 80 || child.exitCode !== null) throw new Error(`private versitygw did not start: ${(err as Error).message}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const waitForEvents = (count: number, ms = 10_000) => new Promise<unknown[]>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`expected ${count} webhook events, got ${events.length}`)), ms);
    const check = () => {
      if (events.length >= count) { clearTimeout(timer); res(events.slice()); } else waiters.push(check);
    };
    check();
  });
  const createUser = async (accessKeyId: string, secretAccessKey: string) => {
    if (!options.iam) throw new Error('createUser needs a versitygw started with { iam: true }');
    await execFileAsync(binary, ['admin', '--access', credentials.accessKeyId, '--secret', credentials.secretAccessKey,
      '--endpoint-url', location.endpoint!, 'create-user', '--access', accessKeyId, '--secret', secretAccessKey, '--role', 'user'], { env });
  };
  return {
    location, store: new S3ObjectStore(client, location), events, waitForEvents, createUser,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await new Promise<void>((r) => hook.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The stack's S3 location (re-exported for tests that also need a raw client). */
export { stackS3Location };
