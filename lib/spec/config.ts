import { isRecord } from '../model/object.js';
import { parseSingleDocument } from './documents.js';
import { joinPath, ProblemCollector } from './problems.js';
import { parseRequestRates, type RequestRates } from './request-rates.js';
import { parseVolumeDataSettings, type VolumeDataSettings } from './volume-data-config.js';

/** The functions that open clusters. */
export const CLUSTER_FUNCTIONS = ['backup', 'restore'] as const;
/** A function that opens clusters. */
export type ClusterFunction = typeof CLUSTER_FUNCTIONS[number];

/**
 * How to reach one cluster. `usedBy` names the functions that may open it (`[backup]` for a source only, `[restore]`
 * for a target only); absent: both. The deployed functions' IAM roles read only the credentials of their clusters.
 * `qps` and `burst`: the request rates Ferry keeps to with this cluster (lib/spec/request-rates.ts).
 */
export type ClusterSource = (
  | { type: 'kubeconfig'; file: string; context?: string }
  | { type: 'secretsManager'; secretId: string; region?: string; context?: string }
  | { type: 'eks'; name: string; region: string }
) & { usedBy?: ClusterFunction[] } & RequestRates;

/** True when the function `fn` may open the cluster. */
export function clusterUsedBy(cluster: ClusterSource, fn: ClusterFunction): boolean {
  return cluster.usedBy === undefined || cluster.usedBy.includes(fn);
}

/** Where backups are kept: one bucket and a key prefix inside it. */
export interface StorageLocation {
  bucket: string;
  prefix: string;
  region?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  serverSideEncryption?: 'AES256' | 'aws:kms';
  kmsKeyId?: string;
  /** How claims' data is moved into this location's bucket (none: volume data is not moved). */
  volumeData?: VolumeDataSettings;
}

/** Ferry's configuration file (`ferry.yaml`): clusters and storage locations by name. */
export interface FerryConfig {
  clusters: Record<string, ClusterSource>;
  storageLocations: Record<string, StorageLocation>;
  /** The location used when a spec names none. */
  defaultStorageLocation: string;
  /** The cluster `ferry backup` reads when neither the spec nor the command names one. */
  defaultCluster?: string;
}

const TOP_FIELDS = ['apiVersion', 'kind', 'clusters', 'storageLocations', 'defaultStorageLocation', 'defaultCluster'];
const LOCATION_FIELDS = ['bucket', 'prefix', 'region', 'endpoint', 'forcePathStyle', 'serverSideEncryption', 'kmsKeyId', 'volumeData'];

/**
 * Parses a config document. `${NAME}` in any string is replaced from `env` (a missing variable is a problem),
 * so one file can serve a laptop and a function. Every problem is reported at once.
 */
export function parseConfig(value: unknown, label: string, env: Record<string, string | undefined> = {}): FerryConfig {
  const p = new ProblemCollector(label);
  const doc = substitute(value, env, '', p);
  if (!isRecord(doc)) {
    p.add('', 'expected a FerryConfig mapping with clusters and storageLocations');
    p.throwIfAny();
  }
  const d = doc as Record<string, unknown>;
  if (d.kind !== undefined && d.kind !== 'FerryConfig') p.add('kind', `expected FerryConfig, got ${JSON.stringify(d.kind)}`);
  if (d.apiVersion !== undefined && d.apiVersion !== 'ferry.dev/v1') p.add('apiVersion', `expected ferry.dev/v1, got ${JSON.stringify(d.apiVersion)}`);
  for (const k of Object.keys(d)) if (!TOP_FIELDS.includes(k)) p.add(k, `unknown field (expected one of ${TOP_FIELDS.join(', ')})`);

  const clusters: Record<string, ClusterSource> = {};
  for (const [name, raw] of entries(d.clusters, 'clusters', p)) {
    const c = parseCluster(raw, joinPath('clusters', name), p);
    if (c) clusters[name] = c;
  }
  const storageLocations: Record<string, StorageLocation> = {};
  for (const [name, raw] of entries(d.storageLocations, 'storageLocations', p)) {
    const l = parseLocation(raw, joinPath('storageLocations', name), p);
    if (l) storageLocations[name] = l;
  }
  const names = Object.keys(storageLocations);
  let defaultStorageLocation = typeof d.defaultStorageLocation === 'string' ? d.defaultStorageLocation : names.length === 1 ? names[0]! : 'default';
  if (d.defaultStorageLocation !== undefined && typeof d.defaultStorageLocation !== 'string') p.add('defaultStorageLocation', 'expected a storage location name');
  else if (names.length > 0 && !storageLocations[defaultStorageLocation]) {
    p.add('defaultStorageLocation', `names "${defaultStorageLocation}", which is not in storageLocations (${names.join(', ')})`);
    defaultStorageLocation = names[0]!;
  }
  if (d.defaultCluster !== undefined && (typeof d.defaultCluster !== 'string' || !clusters[d.defaultCluster])) {
    p.add('defaultCluster', `expected one of the clusters (${Object.keys(clusters).join(', ')}), got ${JSON.stringify(d.defaultCluster)}`);
  }
  p.throwIfAny();
  return { clusters, storageLocations, defaultStorageLocation, ...(typeof d.defaultCluster === 'string' ? { defaultCluster: d.defaultCluster } : {}) };
}

/** Parses config text (YAML or JSON); problems carry their line and column. */
export function parseConfigText(text: string, source: string, env: Record<string, string | undefined> = {}): FerryConfig {
  return parseSingleDocument(text, source, 'FerryConfig', (value, label) => parseConfig(value, label, env));
}

function entries(value: unknown, path: string, p: ProblemCollector): [string, unknown][] {
  if (value === undefined) return [];
  if (!isRecord(value)) {
    p.add(path, 'expected a mapping of names to settings');
    return [];
  }
  return Object.entries(value);
}

function parseCluster(raw: unknown, path: string, p: ProblemCollector): ClusterSource | undefined {
  if (!isRecord(raw)) {
    p.add(path, 'expected one of kubeconfig, secretsManager or eks');
    return undefined;
  }
  const sources = ['kubeconfig', 'secretsManager', 'eks'].filter((k) => raw[k] !== undefined);
  for (const k of Object.keys(raw)) if (!['kubeconfig', 'secretsManager', 'eks', 'context', 'usedBy', 'qps', 'burst'].includes(k)) p.add(joinPath(path, k), 'unknown field (expected kubeconfig, secretsManager, eks, context, usedBy, qps or burst)');
  if (sources.length !== 1) {
    p.add(path, `expected exactly one of kubeconfig, secretsManager or eks, found ${sources.length}`);
    return undefined;
  }
  const usedBy = readUsedBy(raw.usedBy, joinPath(path, 'usedBy'), p);
  const rates = parseRequestRates(raw, path, p);
  const source = parseSource(raw, path, p);
  return source ? { ...source, ...(usedBy ? { usedBy } : {}), ...rates } : source;
}

function readUsedBy(v: unknown, path: string, p: ProblemCollector): ClusterFunction[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length === 0 || !v.every((f) => (CLUSTER_FUNCTIONS as readonly unknown[]).includes(f))) {
    p.add(path, `expected a non-empty list of ${CLUSTER_FUNCTIONS.join(' and/or ')}, got ${JSON.stringify(v)}`);
    return undefined;
  }
  return [...new Set(v as ClusterFunction[])];
}

function parseSource(raw: Record<string, unknown>, path: string, p: ProblemCollector): ClusterSource | undefined {
  const context = optionalString(raw.context, joinPath(path, 'context'), p);
  if (raw.kubeconfig !== undefined) {
    const file = requiredString(raw.kubeconfig, joinPath(path, 'kubeconfig'), p, 'a kubeconfig file path');
    return file ? { type: 'kubeconfig', file, ...(context ? { context } : {}) } : undefined;
  }
  if (raw.secretsManager !== undefined) {
    const s = isRecord(raw.secretsManager) ? raw.secretsManager : {};
    const secretId = requiredString(s.secretId, joinPath(path, 'secretsManager', 'secretId'), p, 'a secret name or ARN');
    const region = optionalString(s.region, joinPath(path, 'secretsManager', 'region'), p);
    return secretId ? { type: 'secretsManager', secretId, ...(region ? { region } : {}), ...(context ? { context } : {}) } : undefined;
  }
  const e = isRecord(raw.eks) ? raw.eks : {};
  const name = requiredString(e.name, joinPath(path, 'eks', 'name'), p, 'the EKS cluster name');
  const region = requiredString(e.region, joinPath(path, 'eks', 'region'), p, 'the EKS cluster region');
  return name && region ? { type: 'eks', name, region } : undefined;
}

function parseLocation(raw: unknown, path: string, p: ProblemCollector): StorageLocation | undefined {
  if (!isRecord(raw)) {
    p.add(path, 'expected bucket, prefix, region, endpoint, ...');
    return undefined;
  }
  for (const k of Object.keys(raw)) if (!LOCATION_FIELDS.includes(k)) p.add(joinPath(path, k), `unknown field (expected one of ${LOCATION_FIELDS.join(', ')})`);
  const bucket = requiredString(raw.bucket, joinPath(path, 'bucket'), p, 'a bucket name');
  const prefix = optionalString(raw.prefix, joinPath(path, 'prefix'), p) ?? '';
  if (prefix.split('/').some((s) => s === '..')) p.add(joinPath(path, 'prefix'), `must not contain "..", got ${JSON.stringify(prefix)}`);
  const sse = raw.serverSideEncryption;
  if (sse !== undefined && sse !== 'AES256' && sse !== 'aws:kms') p.add(joinPath(path, 'serverSideEncryption'), `expected AES256 or aws:kms, got ${JSON.stringify(sse)}`);
  if (raw.forcePathStyle !== undefined && typeof raw.forcePathStyle !== 'boolean') p.add(joinPath(path, 'forcePathStyle'), 'expected true or false');
  const endpoint = optionalString(raw.endpoint, joinPath(path, 'endpoint'), p);
  if (endpoint && !/^https?:\/\/[^/]+/.test(endpoint)) p.add(joinPath(path, 'endpoint'), `expected an http(s) URL, got ${JSON.stringify(endpoint)}`);
  const volumeData = parseVolumeDataSettings(raw.volumeData, joinPath(path, 'volumeData'), p);
  if (!bucket) return undefined;
  return {
    bucket, prefix, ...(volumeData ? { volumeData } : {}),
    ...pick(raw, ['region', 'kmsKeyId'], path, p),
    ...(endpoint ? { endpoint } : {}),
    ...(typeof raw.forcePathStyle === 'boolean' ? { forcePathStyle: raw.forcePathStyle } : {}),
    ...(sse === 'AES256' || sse === 'aws:kms' ? { serverSideEncryption: sse } : {}),
  };
}

function pick(raw: Record<string, unknown>, keys: string[], path: string, p: ProblemCollector): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = optionalString(raw[k], joinPath(path, k), p);
    if (v) out[k] = v;
  }
  return out;
}

function requiredString(v: unknown, path: string, p: ProblemCollector, what: string): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  p.add(path, `expected ${what}, got ${JSON.stringify(v ?? null)}`);
  return undefined;
}

function optionalString(v: unknown, path: string, p: ProblemCollector): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  p.add(path, `expected a string, got ${JSON.stringify(v)}`);
  return undefined;
}

function substitute(value: unknown, env: Record<string, string | undefined>, path: string, p: ProblemCollector): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
      const v = env[name];
      if (v === undefined) p.add(path, `uses \${${name}}, which is not set in the environment`);
      return v ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, env, joinPath(path, i), p));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, env, joinPath(path, k), p)]));
  return value;
}
