import { describe, expect, it } from 'vitest';
import { listingTemplate, volumeBackupOptions } from '../../../../lib/backup/volumes/options.js';
import type { BackupTemplate } from '../../../../lib/spec/backup-spec.js';

const DISK = 'diskplugin.csi.alibabacloud.com';

describe('volumeBackupOptions and listingTemplate', () => {
  const template = (extra: Partial<BackupTemplate>): BackupTemplate => ({
    includedNamespaces: [], excludedNamespaces: [], includedResources: [], excludedResources: [], ttl: '720h0m0s', ttlMs: 1,
    backupType: 'AppBackup', labels: {}, volumeOptions: {}, ...extra,
  });
  it.each([
    ['an AppBackup snapshots nothing', template({}), { snapshot: false, timeoutMs: 600_000 }],
    ['an AppAndPvBackup snapshots with the default 10 minute timeout', template({ backupType: 'AppAndPvBackup' }), { snapshot: true, timeoutMs: 600_000 }],
    ['an AppBackup with pvBackup.defaultPvBackup snapshots', template({ volumeOptions: { pvBackup: { defaultPvBackup: true } } }), { snapshot: true }],
    ['csiSnapshotTimeout sets the timeout', template({ backupType: 'PvBackup', volumeOptions: { csiSnapshotTimeout: '90s' } }), { snapshot: true, timeoutMs: 90_000 }],
    ['snapshotVolumes false turns snapshots off with a reason', template({ backupType: 'AppAndPvBackup', volumeOptions: { snapshotVolumes: false } }),
      { snapshot: false, disabledReason: expect.stringMatching(/snapshotVolumes is false/) }],
    ['pvBackup.volumeSnapshotClasses maps drivers to classes', template({ backupType: 'AppAndPvBackup', volumeOptions: { pvBackup: { volumeSnapshotClasses: { [DISK]: 'fast' } } } }),
      { classByDriver: { [DISK]: 'fast' }, problems: [] }],
    ['a malformed class map is a problem and ignored', template({ backupType: 'AppAndPvBackup', volumeOptions: { pvBackup: { volumeSnapshotClasses: ['fast'] } } }),
      { classByDriver: {}, problems: [expect.stringMatching(/expected a map of CSI driver names/)] }],
  ])('%s', (_name, spec, expected) => {
    expect(volumeBackupOptions(spec)).toMatchObject(expected);
  });

  it.each([
    ['a PvBackup lists only claims and volumes', template({ backupType: 'PvBackup' }), ['persistentvolumeclaims', 'persistentvolumes']],
    ['a PvBackup keeps the user\'s narrower include list', template({ backupType: 'PvBackup', includedResources: ['persistentvolumeclaims', 'configmaps'] }), ['persistentvolumeclaims']],
    ['a PvBackup that excludes claims and volumes lists nothing real', template({ backupType: 'PvBackup', excludedResources: ['persistentvolumeclaims', 'persistentvolumes'] }), ['nothing.ferry.dev']],
    ['an AppAndPvBackup lists what the user selected', template({ backupType: 'AppAndPvBackup', includedResources: ['configmaps'] }), ['configmaps']],
  ])('%s', (_name, spec, included) => {
    expect(listingTemplate(spec).includedResources).toEqual(included);
  });
});
