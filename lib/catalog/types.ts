/** Shared shapes of the catalog: phases, counts, logging and the limits applied to untrusted backups. */
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from '../store/archive-reader.js';
import type { BucketLayout } from '../store/layout.js';
import type { ObjectStore } from '../store/object-store.js';

/**
 * What the index concluded about a backup. Completed, PartiallyFailed and Failed are what the backup says of
 * itself (once its files check out); Corrupt: its bytes do not match its manifest or its tarball is damaged or
 * hostile; Incomplete: not all its files are there yet; Invalid: its files are there but do not make a backup;
 * Deleting: expiry has started deleting it.
 */
export type CatalogPhase = 'Completed' | 'PartiallyFailed' | 'Failed' | 'Corrupt' | 'Incomplete' | 'Invalid' | 'Deleting';

/** Items of a backup tarball, counted once each (preferred-version copies are not counted again). */
export interface ItemCounts {
  items: number;
  /** Cluster-scoped items. */
  cluster: number;
  byNamespace: Record<string, number>;
  /** By group-resource (`deployments.apps`, `configmaps`). */
  byResource: Record<string, number>;
}

/** Where log lines go; the handlers pass a JSON logger, tests a recorder. */
export interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** A Log that drops everything. */
export const silentLog: Log = { info: () => undefined, warn: () => undefined };

/** Limits for reading untrusted backups: the tarball's, and the size of small JSON files read whole. */
export interface ValidationLimits extends ArchiveLimits {
  /** Largest velero-backup.json, ferry-manifest.json or catalog entry read into memory. */
  maxMetadataBytes: number;
  /**
   * Most items a backup may hold: what a restore holds within its memory bound (about 1.5 KB of a restore's
   * peak RSS per object, measured at 100,000; README "Restore memory"). The restore enforces the same number.
   */
  maxItems: number;
}

/** Default validation limits. */
export const DEFAULT_VALIDATION_LIMITS: ValidationLimits = { ...DEFAULT_ARCHIVE_LIMITS, maxMetadataBytes: 4 * 1024 * 1024, maxItems: 200_000 };

/** What the catalog services need: one bucket location, a clock and a log. */
export interface CatalogDeps {
  store: ObjectStore;
  layout: BucketLayout;
  now: () => Date;
  log: Log;
  limits?: Partial<ValidationLimits>;
}

/** The limits in effect for deps. */
export function limitsOf(deps: { limits?: Partial<ValidationLimits> }): ValidationLimits {
  return { ...DEFAULT_VALIDATION_LIMITS, ...deps.limits };
}

/** An empty ItemCounts. */
export function emptyCounts(): ItemCounts {
  return { items: 0, cluster: 0, byNamespace: {}, byResource: {} };
}
