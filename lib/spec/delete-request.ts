/**
 * A request to delete a backup, as ACK Backup Center's `DeleteRequest` (`spec.deleteObjectName` with
 * `spec.deleteObjectType: Backup`) or Velero's `DeleteBackupRequest` (`spec.backupName`) write it. The functions take
 * it (the expire function runs it); `ferry backups delete NAME` is the same request from the command line.
 */
import { isRecord } from '../model/object.js';
import { isValidName } from '../store/layout.js';
import { ProblemCollector } from './problems.js';

/** A validated delete request. */
export interface DeleteRequest {
  backup: string;
  /** The storage location holding it (spec.storageLocation); the config's default when absent. */
  storageLocation?: string;
  /** Delete a backup that says it is still being written (spec.force). */
  force: boolean;
}

const KINDS: Record<string, string[]> = {
  DeleteRequest: ['csdr.alibabacloud.com/v1beta1', 'ferry.dev/v1'],
  DeleteBackupRequest: ['velero.io/v1'],
};

/** Parses a DeleteRequest or DeleteBackupRequest; throws SpecError naming every problem. */
export function parseDeleteRequest(value: unknown, source: string): DeleteRequest {
  const p = new ProblemCollector(source);
  if (!isRecord(value)) {
    p.add('', 'expected a DeleteRequest or DeleteBackupRequest object');
    p.throwIfAny();
  }
  const doc = value as Record<string, unknown>;
  const kind = typeof doc.kind === 'string' ? doc.kind : '';
  const versions = KINDS[kind];
  if (!versions) p.add('kind', `expected DeleteRequest (csdr.alibabacloud.com/v1beta1, ferry.dev/v1) or DeleteBackupRequest (velero.io/v1), got ${JSON.stringify(doc.kind ?? null)}`);
  else if (!versions.includes(String(doc.apiVersion))) p.add('apiVersion', `expected ${versions.join(' or ')} for ${kind}, got ${JSON.stringify(doc.apiVersion ?? null)}`);
  const spec = isRecord(doc.spec) ? doc.spec : {};
  if (!isRecord(doc.spec)) p.add('spec', 'expected an object');
  const field = kind === 'DeleteBackupRequest' ? 'backupName' : 'deleteObjectName';
  const backup = spec[field];
  if (typeof backup !== 'string' || !isValidName(backup)) p.add(`spec.${field}`, `expected the name of a backup, got ${JSON.stringify(backup ?? null)}`);
  if (kind === 'DeleteRequest' && spec.deleteObjectType !== undefined && spec.deleteObjectType !== 'Backup') {
    p.add('spec.deleteObjectType', `Ferry deletes backups only: expected "Backup", got ${JSON.stringify(spec.deleteObjectType)}`);
  }
  const known = new Set([field, 'deleteObjectType', 'storageLocation', 'force']);
  for (const key of Object.keys(spec)) if (!known.has(key)) p.add(`spec.${key}`, `unknown field (expected ${[...known].join(', ')})`);
  if (spec.storageLocation !== undefined && typeof spec.storageLocation !== 'string') p.add('spec.storageLocation', 'expected a storage location name');
  if (spec.force !== undefined && typeof spec.force !== 'boolean') p.add('spec.force', 'expected true or false');
  p.throwIfAny();
  return { backup: backup as string, force: spec.force === true, ...(typeof spec.storageLocation === 'string' ? { storageLocation: spec.storageLocation } : {}) };
}
