/**
 * Runs Ferry's four functions on this machine the way AWS runs them: osls offline (serverless-offline) serves
 * them on the Lambda API (port 3002), bucket events reach the index function through the webhook bridge, and
 * backup schedules fire from the schedules file. Needs the local stack (`scripts/stack/stack.sh up`).
 *   npx tsx scripts/offline/offline.ts                                  start, run until Ctrl-C
 *   FERRY_SCHEDULES=schedules.yaml npx tsx scripts/offline/offline.ts   the same, firing those BackupSchedules
 * Invoke with any Lambda client on http://127.0.0.1:3002, e.g.
 *   aws lambda invoke --endpoint-url http://127.0.0.1:3002 --function-name ferry-dev-backup --payload ...
 * Library use (the demo, the integration test): `const offline = await startOffline(); ...; await offline.stop();`
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { parseBackupDocument } from '../../lib/spec/backup-spec.js';
import { parseDocuments } from '../../lib/spec/documents.js';
import { FUNCTIONS, buildFunction } from '../build/functions.js';
import { inputTemplate, scheduleEvents } from '../deploy/schedule-events.js';
import { startBridge, type Bridge } from './bridge.js';
import { runSchedules, type LocalSchedule } from './scheduler.js';

const repo = resolve(import.meta.dirname, '../..');

/** How to start. */
export interface OfflineOptions {
  /** The local stack's folder (FERRY_STACK_DIR, default <clone>/.stack). */
  stackDir?: string;
  /** The Lambda API port (3002). */
  lambdaPort?: number;
  /** The HTTP API's port, where the console is served (FERRY_OFFLINE_HTTP_PORT, default 3000). */
  httpPort?: number;
  /** The bridge's port (0: a free one). */
  bridgePort?: number;
  /** The osls stage; functions are named ferry-<stage>-<function>. */
  stage?: string;
  /** A schedules file whose BackupSchedules fire while this runs. */
  schedulesFile?: string;
  /** Skip bundling (the artifacts in dist/functions are current). */
  skipBuild?: boolean;
  /** The functions' config file (default: the stack's ferry.yaml). */
  configFile?: string;
  log?: (line: string) => void;
}

/** The running functions. */
export interface Offline {
  lambdaEndpoint: string;
  /** A Lambda client for the local endpoint. */
  lambda: LambdaClient;
  functionName(name: (typeof FUNCTIONS)[number]): string;
  /** Invokes a function synchronously; throws with the function's error when it fails. */
  invoke<T = unknown>(name: (typeof FUNCTIONS)[number], event: unknown): Promise<T>;
  bridge: Bridge;
  /** The web console's address with the stack's token in its fragment (never sent to the server). */
  consoleUrl: string;
  /** The osls offline log file. */
  logFile: string;
  stop(): Promise<void>;
}

/** The stack's env file as a record; throws when the stack was never started. */
export function readStackEnv(stackDir: string): Record<string, string> {
  const file = join(stackDir, 'env');
  if (!existsSync(file)) throw new Error(`the local stack is not up (no ${file}): run scripts/stack/stack.sh up`);
  return Object.fromEntries(readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Starts everything; on failure stops what it started and throws. */
export async function startOffline(options: OfflineOptions = {}): Promise<Offline> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[offline] ${line}\n`));
  const stackDir = options.stackDir ?? process.env.FERRY_STACK_DIR ?? join(repo, '.stack');
  const stackEnv = readStackEnv(stackDir);
  const lambdaPort = options.lambdaPort ?? Number(process.env.FERRY_LAMBDA_PORT ?? 3002);
  const stage = options.stage ?? 'dev';
  const lambdaEndpoint = `http://127.0.0.1:${lambdaPort}`;
  const httpPort = options.httpPort ?? Number(process.env.FERRY_OFFLINE_HTTP_PORT ?? 3000);
  const functionName = (name: string) => `ferry-${stage}-${name}`;
  if (await isListening(lambdaPort)) throw new Error(`port ${lambdaPort} is already in use: is another osls offline running?`);

  if (!options.skipBuild) {
    for (const name of FUNCTIONS) {
      const built = await buildFunction(name);
      log(`built ${name}: ${(built.bundleBytes / 1024).toFixed(0)} KiB`);
    }
  }
  const stops: (() => Promise<void> | void)[] = [];
  // The bucket's events stop first: an event the bridge took while the functions stopped would be a refused invoke.
  const detach: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const s of [...detach.reverse(), ...stops.reverse()]) await Promise.resolve(s()).catch((err: unknown) => log(`stopping: ${(err as Error).message}`));
    stops.length = 0;
    detach.length = 0;
  };
  try {
    const bridge = await startBridge({ port: options.bridgePort ?? 0, lambdaEndpoint, functionName: functionName('index'), log: (l) => log(`bridge: ${l}`) });
    detach.push(() => bridge.close());
    stackScript(['webhook', bridge.url]);
    detach.push(() => stackScript(['webhook', 'off']));

    const logFile = join(stackDir, 'logs', 'offline.log');
    const child = spawnOffline(stage, lambdaPort, {
      ...process.env, ...stackEnv,
      FERRY_CONFIG: options.configFile ?? join(stackDir, 'ferry.yaml'), FERRY_CONFIG_JSON: '', FERRY_CONFIG_YAML: '',
      // serverless-offline's scheduler misreads AWS cron and long rates: backup schedules fire from runSchedules below.
      FERRY_SCHEDULES: '', FERRY_CONSOLE_SCHEDULES: options.schedulesFile ?? process.env.FERRY_SCHEDULES ?? '',
      FERRY_LAMBDA_ENDPOINT: lambdaEndpoint, FERRY_LAMBDA_PORT: String(lambdaPort), FERRY_OFFLINE_HTTP_PORT: String(httpPort),
    }, logFile);
    stops.push(() => stopChild(child));
    stops.push(() => rmSync(join(repo, '.serverless-offline'), { recursive: true, force: true }));
    await waitForPort(lambdaPort, child, logFile, 120_000);
    log(`functions ${FUNCTIONS.map(functionName).join(', ')} on the Lambda API at ${lambdaEndpoint} (log: ${logFile})`);

    const lambda = new LambdaClient({ endpoint: lambdaEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const invoke = async <T>(name: string, event: unknown): Promise<T> => {
      const out = await lambda.send(new InvokeCommand({ FunctionName: functionName(name), Payload: Buffer.from(JSON.stringify(event)) }));
      const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
      if (out.FunctionError) {
        let message = text;
        try {
          const e = JSON.parse(text) as { errorType?: string; errorMessage?: string };
          message = `${e.errorType ?? 'Error'}: ${e.errorMessage ?? text}`;
        } catch { /* not JSON: keep the text */ }
        throw new Error(`${functionName(name)} failed: ${message}`);
      }
      return (text ? JSON.parse(text) : undefined) as T;
    };

    const schedulesFile = options.schedulesFile ?? process.env.FERRY_SCHEDULES;
    if (schedulesFile) {
      const runner = runSchedules(localSchedules(schedulesFile, `ferry-${stage}`), async (s, event) => {
        log(`schedule ${s.name}: invoking backup`);
        const result = await invoke('backup', event);
        log(`schedule ${s.name}: ${JSON.stringify(result).slice(0, 300)}`);
      }, () => new Date(), (l) => log(`scheduler: ${l}`));
      stops.push(() => runner.stop());
    }
    const consoleUrl = `http://127.0.0.1:${httpPort}/#token=${encodeURIComponent(stackEnv.FERRY_CONSOLE_TOKEN ?? '')}`;
    return { lambdaEndpoint, lambda, functionName, invoke, bridge, consoleUrl, logFile, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The schedules of a file, validated as serverless.yml validates them, each delivering what its rule would. */
export function localSchedules(file: string, rulePrefix: string): LocalSchedule[] {
  const text = readFileSync(file, 'utf8');
  scheduleEvents(text, file, rulePrefix);
  return parseDocuments(text, file).map((doc) => {
    const parsed = parseBackupDocument(doc.value, doc.label);
    if (parsed.type !== 'schedule') throw new Error(`${doc.label}: not a schedule`);
    const template = inputTemplate(doc.value);
    return {
      name: parsed.schedule.name, schedule: parsed.schedule.schedule, enabled: !parsed.schedule.paused,
      // EventBridge's time has no milliseconds.
      eventAt: (time: Date) => JSON.parse(template.replace('<time>', time.toISOString().replace(/\.\d{3}Z$/, 'Z'))) as unknown,
    };
  });
}

function stackScript(args: string[]): void {
  execFileSync('bash', [join(repo, 'scripts/stack/stack.sh'), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

function spawnOffline(stage: string, lambdaPort: number, env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [join(repo, 'node_modules/osls/bin/serverless.js'), 'offline', 'start', '--stage', stage], {
    cwd: repo, env: { ...env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', FERRY_LAMBDA_PORT: String(lambdaPort) },
    detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  return child;
}

/** Stops osls offline and everything it started (its process group). */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try { process.kill(-child.pid, 'SIGINT'); } catch { return; }
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000).unref());
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    await exited;
  }
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`osls offline exited with ${child.exitCode}; last lines of ${logFile}:\n${tail(logFile)}`);
    if (await isListening(port)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`osls offline did not open port ${port} in ${timeoutMs / 1000}s; last lines of ${logFile}:\n${tail(logFile)}`);
}

function tail(file: string, lines = 30): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(no log)';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  startOffline().then((offline) => {
    process.stderr.write(`[offline] ready; the console: ${offline.consoleUrl}\n[offline] Ctrl-C stops it\n`);
    let stopping = false;
    const shutdown = () => {
      if (stopping) return;
      stopping = true;
      void offline.stop().then(() => process.exit(0));
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  }).catch((err: unknown) => {
    process.stderr.write(`[offline] ${(err as Error).message}\n`);
    process.exit(1);
  });
}
