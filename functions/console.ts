/**
 * The `console` function: the web console behind an API Gateway HTTP API. It parses the HTTP event, checks
 * access and answers through lib/console's routes; restores and backups it starts run in their own functions,
 * invoked through the Lambda API.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { readConsoleAuth, type ConsoleAuth } from '../lib/console/auth.js';
import type { ConsoleDeps, FunctionInvoker } from '../lib/console/deps.js';
import { ConsoleSettingsError } from '../lib/console/errors.js';
import { json, type ConsoleRequest, type ConsoleResponse } from '../lib/console/http.js';
import { route, type ConsoleAssets } from '../lib/console/routes.js';
import { loadRuntime, type Env, type Runtime } from './compose.js';

/** The HTTP API's event (payload format 2.0), the fields the console reads. */
export interface HttpApiEvent {
  rawPath?: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { http?: { method?: string }; authorizer?: { jwt?: { claims?: Record<string, unknown> }; iam?: { userArn?: string } } };
}

/** The HTTP API's answer. */
export interface HttpApiResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses the HTTP API event into the console's request. */
export function parseHttpEvent(event: HttpApiEvent): ConsoleRequest {
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string').map(([k, v]) => [k.toLowerCase(), v]));
  const query = Object.fromEntries(Object.entries(event.queryStringParameters ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const body = event.body === undefined ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const authorizer = event.requestContext?.authorizer;
  const subject = authorizer?.jwt?.claims?.sub ?? authorizer?.iam?.userArn;
  return {
    method: (event.requestContext?.http?.method ?? 'GET').toUpperCase(), path: event.rawPath ?? '/', query, headers,
    ...(body !== undefined ? { body } : {}), ...(typeof subject === 'string' ? { authorizedBy: subject } : {}),
  };
}

/** The functions the console starts, through the Lambda API (FERRY_LAMBDA_ENDPOINT for a local one). */
export function lambdaInvoker(env: Env): FunctionInvoker {
  let client: LambdaClient | undefined;
  const prefix = env.FERRY_FUNCTION_PREFIX ?? 'ferry-dev-';
  const send = async (name: string, event: unknown, type: 'RequestResponse' | 'Event') => {
    client ??= new LambdaClient(env.FERRY_LAMBDA_ENDPOINT ? { endpoint: env.FERRY_LAMBDA_ENDPOINT } : {});
    return client.send(new InvokeCommand({ FunctionName: `${prefix}${name}`, InvocationType: type, Payload: Buffer.from(JSON.stringify(event)) }));
  };
  return {
    async call<T>(name: string, event: unknown): Promise<T> {
      const out = await send(name, event, 'RequestResponse');
      const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
      if (out.FunctionError) {
        const parsed = (() => { try { return JSON.parse(text) as { errorMessage?: string }; } catch { return {}; } })();
        throw new Error(`${name} failed: ${parsed.errorMessage ?? text}`);
      }
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async start(name, event) {
      await send(name, event, 'Event');
    },
  };
}

/** The console's dependencies over a runtime. */
export function consoleDeps(runtime: Runtime, env: Env, functions: FunctionInvoker = lambdaInvoker(env)): ConsoleDeps {
  const location = runtime.openStore();
  return {
    store: location.store, layout: location.layout, location: location.name, clusters: Object.keys(runtime.config.clusters),
    ...(runtime.config.defaultCluster ? { defaultCluster: runtime.config.defaultCluster } : {}),
    schedulesYaml: env.FERRY_SCHEDULES_YAML ?? '', functions, now: runtime.clock,
  };
}

/** Builds the handler; the assets are the bundled web app (the build inlines them). */
export function createConsoleHandler(assets: () => Promise<ConsoleAssets>, env: Env = process.env, runtime: Runtime = loadRuntime(env)) {
  let auth: ConsoleAuth | ConsoleSettingsError;
  try {
    auth = readConsoleAuth(env);
  } catch (err) {
    if (!(err instanceof ConsoleSettingsError)) throw err;
    auth = err;
  }
  let deps: ConsoleDeps | undefined;
  return async (event: HttpApiEvent): Promise<HttpApiResult> => {
    const request = parseHttpEvent(event);
    let response: ConsoleResponse;
    try {
      // Fails closed: without its settings the console answers nothing but this.
      if (auth instanceof ConsoleSettingsError) {
        runtime.log.error(auth.message);
        response = json(503, { error: 'the console is not configured: see its log' });
      } else {
        response = await route(request, auth, () => (deps ??= consoleDeps(runtime, env)), await assets());
      }
    } catch (err) {
      runtime.log.error('console request failed', { method: request.method, path: request.path, error: (err as Error).message });
      response = json(500, { error: `the request failed: ${(err as Error).message}` });
    }
    runtime.log.info('console request', { method: request.method, path: request.path, status: response.status });
    return { statusCode: response.status, headers: response.headers, body: response.body };
  };
}

/** The Lambda entry point; the web app is inlined by the build (scripts/build/console-web.ts). */
export const handler = createConsoleHandler(async () => (await import('console-web:assets')).default);
