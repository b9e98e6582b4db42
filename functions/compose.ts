/**
 * The composition root of the functions: what every handler needs, built once per cold start at module scope.
 * Handlers export their core as a function taking these dependencies, and wire it to `loadRuntime()` here.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, openCluster as openClusterWith, openStore as openStoreWith, type OpenedLocation } from '../lib/compose.js';
import type { Cluster } from '../lib/kube/cluster.js';
import type { ClusterCredentials } from '../lib/kube/credentials/index.js';
import { Redactor } from '../lib/kube/credentials/redact.js';
import { parseConfigText, type FerryConfig } from '../lib/spec/config.js';
import { createLogger, parseLogLevel, type Logger } from './log.js';
import { CLUSTER_CALLS, createTracing, STORE_CALLS, traceCalls, type Tracing } from './tracing.js';

export type { Logger } from './log.js';

/** Environment variables the runtime reads. */
export type Env = Record<string, string | undefined>;

/** A cluster opened by the runtime; kept for the life of the process (warm invocations reuse its connections). */
export type OpenCluster = Cluster & { close(): void };

/** What every handler gets. */
export interface Runtime {
  /** Ferry's config, read on first use (from FERRY_CONFIG, FERRY_CONFIG_JSON or FERRY_CONFIG_YAML). */
  readonly config: FerryConfig;
  /** A storage location by name (the config's default when undefined), opened once. */
  openStore(name?: string): OpenedLocation;
  /** A cluster by name, its credentials resolved once per cold start (tokens renewed as they near expiry). */
  openCluster(name: string): Promise<OpenCluster>;
  clock: () => Date;
  log: Logger;
  /** Masks every credential the runtime has seen; the logger and the middlewares use it. */
  redactor: Redactor;
  /** X-Ray tracing (FERRY_TRACING=true): the stores and clusters opened here are traced once its Tracer is loaded. */
  tracing: Tracing;
}

const runtimes = new WeakMap<Env, Runtime>();

/** The runtime for an environment, built once per environment object (so once per cold start for process.env). */
export function loadRuntime(env: Env = process.env): Runtime {
  let runtime = runtimes.get(env);
  if (!runtime) {
    runtime = createRuntime(env);
    runtimes.set(env, runtime);
  }
  return runtime;
}

/** Builds a runtime without memoizing it; tests pass fakes for the credential providers and the clock. */
export function createRuntime(env: Env, overrides: { credentials?: ClusterCredentials; clock?: () => Date; write?: (line: string) => void; tracing?: Tracing } = {}): Runtime {
  const redactor = new Redactor();
  const tracing = overrides.tracing ?? createTracing(env);
  const clock = overrides.clock ?? (() => new Date());
  const log = createLogger({ level: parseLogLevel(env.FERRY_LOG_LEVEL), redactor, clock, ...(overrides.write ? { write: overrides.write } : {}) });
  // The Kubernetes client and the AWS credential clients load when a cluster is first opened, not at cold start.
  let credentials: Promise<ClusterCredentials> | undefined = overrides.credentials ? Promise.resolve(overrides.credentials) : undefined;
  const credentialsOf = () => (credentials ??= import('../lib/kube/credentials/index.js')
    .then(({ ClusterCredentials: Credentials }) => new Credentials({ clock, onSecret: (v) => redactor.add(v) })));
  let config: FerryConfig | undefined;
  const stores = new Map<string, OpenedLocation>();
  const clusters = new Map<string, Promise<OpenCluster>>();
  const runtime: Runtime = {
    get config() {
      return (config ??= readConfig(env));
    },
    openStore(name) {
      const key = name ?? runtime.config.defaultStorageLocation;
      let opened = stores.get(key);
      if (!opened) {
        opened = openStoreWith(runtime.config, key);
        if (tracing.enabled) opened = { ...opened, store: traceCalls(opened.store, tracing, 'S3', STORE_CALLS) };
        stores.set(key, opened);
      }
      return opened;
    },
    openCluster(name) {
      let opened = clusters.get(name);
      if (!opened) {
        const config = runtime.config;
        opened = credentialsOf().then((credentials) => openClusterWith(config, name, { credentials }))
          .then((cluster) => (tracing.enabled ? traceCalls(cluster, tracing, 'kube', CLUSTER_CALLS) : cluster));
        // A failure (a secret not yet readable, a cluster still creating) is not kept: the next invocation tries again.
        opened.catch(() => clusters.delete(name));
        clusters.set(name, opened);
      }
      return opened;
    },
    clock,
    log,
    redactor,
    tracing,
  };
  return runtime;
}

/** Reads the config from the environment: a file path (FERRY_CONFIG) or inline text (FERRY_CONFIG_JSON, FERRY_CONFIG_YAML). */
export function readConfig(env: Env): FerryConfig {
  const sources = (['FERRY_CONFIG', 'FERRY_CONFIG_JSON', 'FERRY_CONFIG_YAML'] as const).filter((k) => env[k]);
  if (sources.length !== 1) {
    throw new ConfigError(sources.length === 0
      ? 'no config: set FERRY_CONFIG to a ferry.yaml path, or FERRY_CONFIG_JSON / FERRY_CONFIG_YAML to its text'
      : `set only one of ${sources.join(', ')}`);
  }
  const source = sources[0]!;
  if (source !== 'FERRY_CONFIG') return parseConfigText(env[source]!, source, env);
  const path = resolve(env.FERRY_CONFIG!);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the config file ${path} (FERRY_CONFIG): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  const config = parseConfigText(text, path, env);
  // Relative kubeconfig paths are taken from the config file's folder, as `ferry` does.
  for (const c of Object.values(config.clusters)) {
    if (c.type === 'kubeconfig' && !isAbsolute(c.file)) c.file = resolve(dirname(path), c.file);
  }
  return config;
}
