import { describe, expect, it } from 'vitest';
import { backupForDocument, chooseSourceCluster, SourceClusterError } from '../../../lib/backup/request.js';
import { parseBackupDocument } from '../../../lib/spec/backup-spec.js';
import type { FerryConfig } from '../../../lib/spec/config.js';

const kube = (file: string) => ({ type: 'kubeconfig' as const, file });
const config = (clusters: string[], defaultCluster?: string): FerryConfig => ({
  clusters: Object.fromEntries(clusters.map((c) => [c, kube(`${c}.kubeconfig`)])), storageLocations: {}, defaultStorageLocation: 'default',
  ...(defaultCluster ? { defaultCluster } : {}),
});

describe('chooseSourceCluster', () => {
  it.each<[string, FerryConfig, string | undefined, string | undefined, string]>([
    ['the caller\'s choice wins over the spec and the default', config(['a', 'b', 'c'], 'c'), 'b', 'a', 'a'],
    ['the spec\'s sourceCluster wins over the config\'s default', config(['a', 'b'], 'a'), 'b', undefined, 'b'],
    ['the config\'s default is used when nothing else names one', config(['a', 'b'], 'b'), undefined, undefined, 'b'],
    ['the only cluster is used when the config has one', config(['solo']), undefined, undefined, 'solo'],
  ])('%s', (_name, cfg, fromSpec, requested, expected) => {
    expect(chooseSourceCluster(cfg, fromSpec ? { sourceCluster: fromSpec } : {}, requested)).toBe(expected);
  });

  it.each<[string, FerryConfig, string | undefined, RegExp]>([
    ['two clusters and no default', config(['a', 'b']), undefined, /no cluster to back up.*a, b/],
    ['a name the config does not define', config(['a']), 'z', /cluster "z" is not in the config/],
  ])('refuses %s', (_name, cfg, requested, message) => {
    expect(() => chooseSourceCluster(cfg, {}, requested)).toThrow(SourceClusterError);
    expect(() => chooseSourceCluster(cfg, {}, requested)).toThrow(message);
  });
});

describe('backupForDocument', () => {
  const schedule = (paused: boolean) => parseBackupDocument({ apiVersion: 'ferry.dev/v1', kind: 'BackupSchedule', metadata: { name: 'nightly' },
    spec: { schedule: '0 3 * * *', paused, includedNamespaces: ['shop'] } }, 'doc');

  it('names a schedule\'s backup after the schedule and the firing time, in UTC', () => {
    const result = backupForDocument(schedule(false), new Date('2026-01-10T03:00:07.450Z'));
    expect(result).toMatchObject({ backup: { name: 'nightly-20260110030007', scheduleName: 'nightly', kind: 'ApplicationBackup', includedNamespaces: ['shop'] } });
  });

  it('takes no backup for a paused schedule', () => {
    expect(backupForDocument(schedule(true), new Date())).toEqual({ paused: 'nightly' });
  });

  it('returns a one-off backup as it is', () => {
    const doc = parseBackupDocument({ apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'once' }, spec: {} }, 'doc');
    expect(backupForDocument(doc, new Date())).toMatchObject({ backup: { name: 'once' } });
  });
});
