import type { KubeObject } from '../model/object.js';
import type { BackupSpec } from '../spec/backup-spec.js';
import { ARCHIVE_FORMAT_VERSION } from '../store/archive-paths.js';

/** Velero's backup phases that Ferry writes. */
export type BackupPhase = 'InProgress' | 'WaitingForPluginOperations' | 'Completed' | 'PartiallyFailed' | 'Failed';

/** The status part of velero-backup.json. */
export interface BackupStatusInput {
  phase: BackupPhase;
  startedAt: Date;
  completedAt?: Date;
  expiresAt: Date;
  totalItems: number;
  itemsBackedUp: number;
  warnings: number;
  errors: number;
  failureReason?: string;
}

/** Where and from what the backup was taken. */
export interface BackupOrigin {
  /** The storage location's name, as Velero labels it. */
  storageLocation: string;
  /** The source API server's version (`v1.35.4`), when discovery got that far. */
  serverVersion?: string;
  /** The source cluster's name in Ferry's config, for the catalog. */
  sourceCluster?: string;
  /** When the writer will have finished or given up (FERRY_ANNOTATIONS.deadline). */
  deadline?: Date;
}

/** Annotation keys Ferry adds to the Backup object. */
export const FERRY_ANNOTATIONS = {
  backupType: 'ferry.dev/backup-type',
  specType: 'ferry.dev/spec-type',
  sourceCluster: 'ferry.dev/source-cluster',
  /** When the writer will have finished or given up: a backup still InProgress after it was abandoned. */
  deadline: 'ferry.dev/deadline',
} as const;

/** Velero writes times in RFC 3339 to the second. */
export function veleroTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * velero-backup.json: a velero.io/v1 Backup with the spec as the user selected and the status of the run, so
 * that Velero's backup sync reads a Ferry backup as one of its own.
 */
export function buildVeleroBackup(spec: BackupSpec, status: BackupStatusInput, origin: BackupOrigin): KubeObject {
  const annotations: Record<string, string> = {
    [FERRY_ANNOTATIONS.backupType]: spec.backupType,
    [FERRY_ANNOTATIONS.specType]: `${spec.apiVersion}/${spec.kind}`,
    ...(origin.sourceCluster ? { [FERRY_ANNOTATIONS.sourceCluster]: origin.sourceCluster } : {}),
    ...(origin.deadline ? { [FERRY_ANNOTATIONS.deadline]: origin.deadline.toISOString() } : {}),
  };
  const version = origin.serverVersion ? /^v?(\d+)\.(\d+)/.exec(origin.serverVersion) : null;
  if (origin.serverVersion && version) {
    annotations['velero.io/source-cluster-k8s-gitversion'] = origin.serverVersion;
    annotations['velero.io/source-cluster-k8s-major-version'] = version[1]!;
    annotations['velero.io/source-cluster-k8s-minor-version'] = version[2]!;
  }
  return {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: {
      name: spec.name,
      namespace: spec.namespace ?? 'velero',
      creationTimestamp: veleroTime(status.startedAt),
      labels: { ...spec.labels, 'velero.io/storage-location': origin.storageLocation },
      annotations,
    },
    spec: {
      ...(spec.labels && Object.keys(spec.labels).length > 0 ? { metadata: { labels: spec.labels } } : {}),
      includedNamespaces: spec.includedNamespaces.length > 0 ? spec.includedNamespaces : ['*'],
      excludedNamespaces: spec.excludedNamespaces,
      includedResources: spec.includedResources.length > 0 ? spec.includedResources : ['*'],
      excludedResources: spec.excludedResources,
      ...(spec.includeClusterResources !== undefined ? { includeClusterResources: spec.includeClusterResources } : {}),
      ...(spec.labelSelector ? { labelSelector: spec.labelSelector } : {}),
      ...(spec.orLabelSelectors ? { orLabelSelectors: spec.orLabelSelectors } : {}),
      ttl: spec.ttl,
      storageLocation: origin.storageLocation,
      hooks: spec.hooks ?? {},
      ...spec.volumeOptions,
    },
    status: {
      version: 1,
      formatVersion: ARCHIVE_FORMAT_VERSION,
      phase: status.phase,
      startTimestamp: veleroTime(status.startedAt),
      ...(status.completedAt ? { completionTimestamp: veleroTime(status.completedAt) } : {}),
      expiration: veleroTime(status.expiresAt),
      progress: { totalItems: status.totalItems, itemsBackedUp: status.itemsBackedUp },
      warnings: status.warnings,
      errors: status.errors,
      ...(status.failureReason ? { failureReason: status.failureReason } : {}),
    },
  };
}

/** The status a later invocation gives a handed-over backup (lib/backup/continue-backup.ts). */
export interface StatusUpdate {
  phase: BackupPhase;
  deadline: Date;
  completedAt?: Date;
  warnings?: number;
  errors?: number;
  failureReason?: string;
}

/** velero-backup.json with a new phase and deadline (and its counts and end, once it ends); the rest as it was. */
export function withStatus(backup: KubeObject, update: StatusUpdate): KubeObject {
  const status = (backup.status ?? {}) as Record<string, unknown>;
  return {
    ...backup,
    metadata: { ...backup.metadata, annotations: { ...backup.metadata.annotations, [FERRY_ANNOTATIONS.deadline]: update.deadline.toISOString() } },
    status: {
      ...status, phase: update.phase,
      ...(update.completedAt ? { completionTimestamp: veleroTime(update.completedAt) } : {}),
      ...(update.warnings !== undefined ? { warnings: update.warnings } : {}),
      ...(update.errors !== undefined ? { errors: update.errors } : {}),
      ...(update.failureReason ? { failureReason: update.failureReason } : {}),
    },
  };
}
