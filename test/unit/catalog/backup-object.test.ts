import { describe, expect, it } from 'vitest';
import { BackupObjectError, parseBackupObject, phaseState } from '../../../lib/catalog/backup-object.js';
import { backupObject } from '../../support/backup-fixture.js';

describe('parseBackupObject', () => {
  it('reads the phase, times, source cluster, location and counts of a Ferry backup', () => {
    const info = parseBackupObject(JSON.stringify(backupObject('b1', { phase: 'PartiallyFailed', warnings: 2, errors: 1, sourceCluster: 'idc' })), 'b1');
    expect(info).toEqual({
      ferry: true, phase: 'PartiallyFailed', created: '2026-01-10T08:00:00.000Z', started: '2026-01-10T08:00:00.000Z',
      completed: '2026-01-10T08:01:00.000Z', expires: '2026-02-09T08:00:00.000Z', sourceCluster: 'idc', sourceClusterVersion: 'v1.35.4', storageLocation: 'default',
      warnings: 2, errors: 1, totalItems: 4, itemsBackedUp: 4,
    });
  });

  it('tells a Velero backup (no ferry.dev/ labels or annotations) from a Ferry one', () => {
    expect(parseBackupObject(JSON.stringify(backupObject('b1', { ferry: false })), 'b1')).toMatchObject({ ferry: false, phase: 'Completed' });
  });

  it('reads a Backup written without its TypeMeta', () => {
    const { apiVersion: _a, kind: _k, ...bare } = backupObject('b1');
    expect(parseBackupObject(JSON.stringify(bare), 'b1').phase).toBe('Completed');
  });

  it('drops fields of the wrong type instead of trusting them', () => {
    const obj = backupObject('b1') as { status: Record<string, unknown> };
    obj.status.expiration = 'next tuesday';
    obj.status.errors = -3;
    const info = parseBackupObject(JSON.stringify(obj), 'b1');
    expect(info.expires).toBeUndefined();
    expect(info.errors).toBeUndefined();
  });

  it.each([
    ['text that is not JSON', '{"apiVersion": "velero.io/v1",', /velero-backup.json is not JSON/],
    ['a JSON array', '[]', /not a JSON object/],
    ['a Restore', JSON.stringify({ ...backupObject('b1'), kind: 'Restore' }), /is a velero.io\/v1 Restore, not a velero.io\/v1 Backup/],
    ['a Backup of another name', JSON.stringify(backupObject('other')), /names backup "other" but sits in the folder of "b1"/],
  ])('refuses %s', (_case, text, message) => {
    expect(() => parseBackupObject(text, 'b1')).toThrow(BackupObjectError);
    expect(() => parseBackupObject(text, 'b1')).toThrow(message);
  });
});

describe('phaseState', () => {
  it.each([
    ['Completed', 'finished'], ['PartiallyFailed', 'finished'], ['Failed', 'finished'], ['FailedValidation', 'finished'],
    ['New', 'running'], ['InProgress', 'running'], ['WaitingForPluginOperations', 'running'], ['Finalizing', 'running'],
    ['FinalizingPartiallyFailed', 'running'], ['Deleting', 'unknown'], [undefined, 'unknown'], ['Whatever', 'unknown'],
  ])('calls the phase %s %s', (phase, state) => {
    expect(phaseState(phase)).toBe(state);
  });
});
