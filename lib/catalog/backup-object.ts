/** Reads what the catalog needs from an untrusted velero-backup.json (Velero's Backup object, as Velero or Ferry wrote it). */
import { isRecord } from '../model/object.js';

/** What velero-backup.json says about its backup. */
export interface BackupInfo {
  /** status.phase, as written. */
  phase?: string;
  created?: string;
  started?: string;
  completed?: string;
  /** status.expiration: when expiry may delete the backup. */
  expires?: string;
  /** The ferry.dev/source-cluster annotation or label (Ferry's backups). */
  sourceCluster?: string;
  /** The source API server's version, from Velero's velero.io/source-cluster-k8s-gitversion annotation. */
  sourceClusterVersion?: string;
  /** The ferry.dev/deadline annotation: when Ferry's writer will have finished or given up. */
  deadline?: string;
  /** status.failureReason of a Failed backup. */
  failureReason?: string;
  storageLocation?: string;
  /** True when the object carries ferry.dev/ labels or annotations: Ferry wrote it, so it must have a manifest. */
  ferry: boolean;
  warnings?: number;
  errors?: number;
  totalItems?: number;
  itemsBackedUp?: number;
}

/** Thrown when velero-backup.json is not JSON or not a Backup named after its folder. */
export class BackupObjectError extends Error {
  override name = 'BackupObjectError';
}

/** Velero's terminal phases. */
const FINISHED = new Set(['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation']);
/** Velero's phases of a backup still being made (its controller rewrites velero-backup.json when it ends). */
const RUNNING = new Set(['New', 'Queued', 'ReadyToStart', 'InProgress', 'WaitingForPluginOperations',
  'WaitingForPluginOperationsPartiallyFailed', 'Finalizing', 'FinalizingPartiallyFailed']);

/** Whether a Backup phase is final, still running, or one this code does not know. */
export function phaseState(phase: string | undefined): 'finished' | 'running' | 'unknown' {
  if (phase !== undefined && FINISHED.has(phase)) return 'finished';
  if (phase !== undefined && RUNNING.has(phase)) return 'running';
  return 'unknown';
}

/** The annotation (or label) naming the cluster a Ferry backup was taken from. */
export const SOURCE_CLUSTER_KEY = 'ferry.dev/source-cluster';

/** The annotation in which Ferry's writer records its deadline (lib/backup/velero-backup.ts FERRY_ANNOTATIONS). */
export const DEADLINE_KEY = 'ferry.dev/deadline';

/** Parses velero-backup.json of the backup `name`; throws BackupObjectError when it is not one. */
export function parseBackupObject(bytes: Uint8Array | string, name: string): BackupInfo {
  let value: unknown;
  try {
    value = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new BackupObjectError(`velero-backup.json is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isRecord(value)) throw new BackupObjectError('velero-backup.json is not a JSON object');
  // NOTE: Velero encodes the object with its TypeMeta; an object without one is still read.
  if ((value.apiVersion !== undefined && value.apiVersion !== 'velero.io/v1') || (value.kind !== undefined && value.kind !== 'Backup')) {
    throw new BackupObjectError(`velero-backup.json is a ${String(value.apiVersion)} ${String(value.kind)}, not a velero.io/v1 Backup`);
  }
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  if (metadata.name !== name) {
    throw new BackupObjectError(`velero-backup.json names backup ${JSON.stringify(metadata.name ?? null)} but sits in the folder of "${name}"`);
  }
  const status = isRecord(value.status) ? value.status : {};
  const spec = isRecord(value.spec) ? value.spec : {};
  const progress = isRecord(status.progress) ? status.progress : {};
  const labels = stringMap(metadata.labels);
  const annotations = stringMap(metadata.annotations);
  const info: BackupInfo = {
    ferry: [...Object.keys(labels), ...Object.keys(annotations)].some((k) => k.startsWith('ferry.dev/')),
  };
  const set = <K extends keyof BackupInfo>(key: K, v: BackupInfo[K] | undefined) => { if (v !== undefined) info[key] = v; };
  set('phase', text(status.phase));
  set('created', time(metadata.creationTimestamp));
  set('started', time(status.startTimestamp));
  set('completed', time(status.completionTimestamp));
  set('expires', time(status.expiration));
  set('sourceCluster', annotations[SOURCE_CLUSTER_KEY] ?? labels[SOURCE_CLUSTER_KEY]);
  set('sourceClusterVersion', annotations['velero.io/source-cluster-k8s-gitversion']);
  set('failureReason', text(status.failureReason));
  set('deadline', time(annotations[DEADLINE_KEY]));
  set('storageLocation', text(spec.storageLocation) ?? labels['velero.io/storage-location']);
  set('warnings', count(status.warnings));
  set('errors', count(status.errors));
  set('totalItems', count(progress.totalItems));
  set('itemsBackedUp', count(progress.itemsBackedUp));
  return info;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function time(v: unknown): string | undefined {
  return typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v).toISOString() : undefined;
}

function count(v: unknown): number | undefined {
  return Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : undefined;
}

function stringMap(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
