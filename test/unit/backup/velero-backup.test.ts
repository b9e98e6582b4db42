import { describe, expect, it } from 'vitest';
import { buildVeleroBackup, veleroTime, type BackupStatusInput } from '../../../lib/backup/velero-backup.js';
import { parseBackupSpec } from '../../../lib/spec/backup-spec.js';

const STATUS: BackupStatusInput = {
  phase: 'Completed', startedAt: new Date('2026-01-10T03:00:00.250Z'), completedAt: new Date('2026-01-10T03:01:30.900Z'),
  expiresAt: new Date('2026-02-09T03:00:00.250Z'), totalItems: 12, itemsBackedUp: 12, warnings: 1, errors: 0,
};

function spec(fields: Record<string, unknown>, kind = 'ApplicationBackup', apiVersion = 'csdr.alibabacloud.com/v1beta1') {
  return parseBackupSpec({ apiVersion, kind, metadata: { name: 'b1', namespace: 'csdr' }, spec: fields }, 'test');
}

describe('buildVeleroBackup', () => {
  it('writes a Velero Backup whose status Velero reads: phase, format, times to the second, progress and counts', () => {
    const backup = buildVeleroBackup(spec({}), STATUS, { storageLocation: 'vault', serverVersion: 'v1.35.4' });
    expect(backup.status).toEqual({
      version: 1, formatVersion: '1.1.0', phase: 'Completed', startTimestamp: '2026-01-10T03:00:00Z', completionTimestamp: '2026-01-10T03:01:30Z',
      expiration: '2026-02-09T03:00:00Z', progress: { totalItems: 12, itemsBackedUp: 12 }, warnings: 1, errors: 0,
    });
    expect(backup.metadata).toEqual({
      name: 'b1', namespace: 'csdr', creationTimestamp: '2026-01-10T03:00:00Z', labels: { 'velero.io/storage-location': 'vault' },
      annotations: {
        'ferry.dev/backup-type': 'AppBackup', 'ferry.dev/spec-type': 'csdr.alibabacloud.com/v1beta1/ApplicationBackup',
        'velero.io/source-cluster-k8s-gitversion': 'v1.35.4', 'velero.io/source-cluster-k8s-major-version': '1', 'velero.io/source-cluster-k8s-minor-version': '35',
      },
    });
  });

  it('names the source cluster from Ferry\'s config, which the catalog reads back', () => {
    const backup = buildVeleroBackup(spec({}), STATUS, { storageLocation: 'vault', sourceCluster: 'idc' });
    expect(backup.metadata.annotations?.['ferry.dev/source-cluster']).toBe('idc');
  });

  it('writes Velero\'s spec: "*" for empty include lists, the selection as given, volume settings as written', () => {
    const backup = buildVeleroBackup(spec({
      excludedNamespaces: ['kube-system'], includeClusterResources: false, orLabelSelectors: [{ matchLabels: { a: 'b' } }],
      snapshotVolumes: false, pvBackup: { defaultPvBackup: true }, ttl: '48h', metadata: { labels: { team: 'x' } },
    }), STATUS, { storageLocation: 'vault' });
    expect(backup.spec).toEqual({
      metadata: { labels: { team: 'x' } }, includedNamespaces: ['*'], excludedNamespaces: ['kube-system'], includedResources: ['*'], excludedResources: [],
      includeClusterResources: false, orLabelSelectors: [{ matchLabels: { a: 'b' } }], ttl: '48h0m0s', storageLocation: 'vault', hooks: {},
      snapshotVolumes: false, pvBackup: { defaultPvBackup: true },
    });
    expect(backup.metadata.labels).toEqual({ team: 'x', 'velero.io/storage-location': 'vault' });
  });

  it('records why a Failed backup failed and leaves out what discovery never told', () => {
    const backup = buildVeleroBackup(spec({}, 'Backup', 'velero.io/v1'), { ...STATUS, phase: 'Failed', failureReason: 'the bucket went away', completedAt: undefined },
      { storageLocation: 'default' });
    expect(backup.status).toMatchObject({ phase: 'Failed', failureReason: 'the bucket went away' });
    expect(backup.status).not.toHaveProperty('completionTimestamp');
    expect(Object.keys(backup.metadata.annotations ?? {})).toEqual(['ferry.dev/backup-type', 'ferry.dev/spec-type']);
  });

  it.each([
    ['2026-01-10T03:00:00.000Z', '2026-01-10T03:00:00Z'],
    ['2026-01-10T03:00:00.999Z', '2026-01-10T03:00:00Z'],
  ])('writes %s as %s, to the second as Velero does', (iso, expected) => {
    expect(veleroTime(new Date(iso))).toBe(expected);
  });
});
