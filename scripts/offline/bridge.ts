/**
 * The bucket-event bridge of the local stack: versitygw POSTs an S3 event per object written to its webhook;
 * the bridge answers at once, gathers the records that arrive within a short window into one S3 event (as S3
 * batches them for Lambda), and invokes the index function with it through the Lambda API, as AWS would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { normalizeWebhookEvent } from '../../lib/catalog/s3-event.js';
import { isRecord } from '../../lib/model/object.js';

/** How the bridge is set up. */
export interface BridgeOptions {
  /** Port to listen on, on 127.0.0.1 (0: any free port). */
  port: number;
  /** The Lambda API (serverless-offline's, `http://127.0.0.1:3002`). */
  lambdaEndpoint: string;
  /** The index function's name (`ferry-dev-index`). */
  functionName: string;
  /** Records arriving within this many milliseconds go into one invocation. */
  batchMs?: number;
  /** Where progress lines go. */
  log?: (line: string) => void;
  /** Invokes the function; the default uses @aws-sdk/client-lambda. Tests pass a recorder. */
  invoke?: (functionName: string, event: unknown) => Promise<{ ok: boolean; body: string }>;
}

/** A running bridge. */
export interface Bridge {
  /** The webhook URL to give versitygw. */
  url: string;
  /** Invocations made so far, with their outcome. */
  invocations: { records: number; keys: string[]; ok: boolean; body: string }[];
  /** Resolves when every batch received so far has been delivered. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** Invokes a function through the Lambda API and reports whether it failed. */
export function lambdaInvoker(endpoint: string): NonNullable<BridgeOptions['invoke']> {
  // serverless-offline accepts any credentials; a real endpoint would use the default chain.
  const client = new LambdaClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return async (functionName, event) => {
    const out = await client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(event)) }));
    return { ok: !out.FunctionError, body: out.Payload ? Buffer.from(out.Payload).toString('utf8') : '' };
  };
}

/** Retries a call refused because the Lambda API is not listening yet (events can arrive while it starts). */
async function withConnectRetries<T>(fn: () => Promise<T>, stopping: () => boolean, attempts = 40, delayMs = 500): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const refused = /ECONNREFUSED/.test(`${(err as Error).message} ${(err as { code?: string }).code ?? ''}`);
      if (!refused || i >= attempts || stopping()) throw err;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

/** Starts the bridge. */
export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[bridge] ${line}\n`));
  const invoke = options.invoke ?? lambdaInvoker(options.lambdaEndpoint);
  const batchMs = options.batchMs ?? 250;
  let pending: unknown[] = [];
  let closing = false;
  let timer: NodeJS.Timeout | undefined;
  // One invocation at a time, in arrival order: the index is idempotent, but ordered delivery keeps logs readable.
  let chain: Promise<void> = Promise.resolve();
  const invocations: Bridge['invocations'] = [];

  const flush = () => {
    timer = undefined;
    const records = pending;
    pending = [];
    if (records.length === 0) return;
    const keys = records.map((r) => (isRecord(r) && isRecord(r.s3) && isRecord(r.s3.object) ? String(r.s3.object.key) : '?'));
    chain = chain.then(async () => {
      try {
        const { ok, body } = await withConnectRetries(() => invoke(options.functionName, { Records: records }), () => closing);
        invocations.push({ records: records.length, keys, ok, body });
        log(`${options.functionName}: ${records.length} record(s) ${ok ? 'indexed' : 'FAILED'}: ${body.slice(0, 300)}`);
      } catch (err) {
        invocations.push({ records: records.length, keys, ok: false, body: (err as Error).message });
        log(`${options.functionName}: could not invoke: ${(err as Error).message}`);
      }
    });
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // Answer first: versitygw waits at most a few seconds for the webhook and does not retry.
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        log(`ignored a ${req.method} ${req.url} whose body is not JSON`);
        return;
      }
      const event = normalizeWebhookEvent(body);
      const records = isRecord(event) && Array.isArray(event.Records) ? event.Records : [];
      if (records.length === 0) {
        log('received an event without records (versitygw\'s test event)');
        return;
      }
      pending.push(...records);
      timer ??= setTimeout(flush, batchMs);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  log(`listening on http://127.0.0.1:${port}/events, invoking ${options.functionName} at ${options.lambdaEndpoint}`);
  const drain = async () => {
    if (timer) {
      clearTimeout(timer);
      flush();
    }
    await chain;
  };
  return {
    url: `http://127.0.0.1:${port}/events`,
    invocations,
    drain,
    async close() {
      closing = true;
      await drain();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
