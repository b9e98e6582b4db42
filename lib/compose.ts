import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Cluster } from './kube/cluster.js';
import type { ClusterCredentials } from './kube/credentials/index.js';
import { limitsWithRates, type HttpLimits } from './kube/limits.js';
import { parseConfigText, type FerryConfig, type StorageLocation } from './spec/config.js';
import { BucketLayout } from './store/layout.js';
import type { ObjectStore } from './store/object-store.js';
import { createS3Client, S3ObjectStore, type S3Location } from './store/s3-store.js';

/** Thrown when the configuration names something it does not define, or a source Ferry cannot use. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and parses a config file; relative kubeconfig paths are taken from the config file's folder. */
export async function loadConfig(path: string, env: Record<string, string | undefined> = process.env): Promise<FerryConfig> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new ConfigError(`cannot read the config file ${path}: ${err.code ?? err.message}`, { cause: err });
  });
  const config = parseConfigText(text, path, env);
  for (const c of Object.values(config.clusters)) {
    if (c.type === 'kubeconfig' && !isAbsolute(c.file)) c.file = resolve(dirname(path), c.file);
  }
  return config;
}

/** A storage location opened: its store, its layout and its settings. */
export interface OpenedLocation {
  name: string;
  location: StorageLocation;
  store: ObjectStore;
  layout: BucketLayout;
}

/** Opens a storage location by name (the config's default when undefined); `timeouts` replace the S3 client's defaults. */
export function openStore(config: FerryConfig, name?: string, options: Pick<S3Location, 'timeouts'> = {}): OpenedLocation {
  const locationName = name ?? config.defaultStorageLocation;
  const location = config.storageLocations[locationName];
  if (!location) {
    throw new ConfigError(`storage location "${locationName}" is not in the config (known: ${Object.keys(config.storageLocations).join(', ') || 'none'})`);
  }
  const s3 = {
    bucket: location.bucket, region: location.region, endpoint: location.endpoint, forcePathStyle: location.forcePathStyle,
    serverSideEncryption: location.serverSideEncryption, kmsKeyId: location.kmsKeyId, ...options,
  };
  return { name: locationName, location, store: new S3ObjectStore(createS3Client(s3), s3), layout: new BucketLayout(location.prefix) };
}

/**
 * Options for opening a cluster: client limits (instead of the cluster's `qps`/`burst` in ferry.yaml and the
 * defaults), and the credential providers (one per process, so secrets are read once).
 */
export interface OpenClusterOptions {
  limits?: HttpLimits;
  credentials?: ClusterCredentials;
}

let defaultCredentials: ClusterCredentials | undefined;

/**
 * Opens a cluster by name, with credentials from its source: a kubeconfig file, a Secrets Manager secret or EKS.
 * The Kubernetes client is loaded on first use, so functions that never open a cluster do not pay for it at cold start.
 */
export async function openCluster(config: FerryConfig, name: string, options: OpenClusterOptions = {}): Promise<Cluster & { close(): void; server?: string }> {
  const source = config.clusters[name];
  if (!source) throw new ConfigError(`cluster "${name}" is not in the config (known: ${Object.keys(config.clusters).join(', ') || 'none'})`);
  const [{ KubeCluster }, { ClusterCredentials: Credentials }] = await Promise.all([import('./kube/kube-cluster.js'), import('./kube/credentials/index.js')]);
  const credentials = options.credentials ?? (defaultCredentials ??= new Credentials());
  return new KubeCluster(await credentials.kubeConfig(name, source), options.limits ?? limitsWithRates(source));
}
