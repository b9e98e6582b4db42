import { describe, expect, it } from 'vitest';
import { BACKUP_FILES, BucketLayout, scheduledBackupName } from '../../../lib/store/layout.js';
import { isPathProblem, itemPath, parseItemPath, type ItemPath } from '../../../lib/store/archive-paths.js';
import { buildManifest, parseManifest } from '../../../lib/store/manifest.js';

describe('BucketLayout', () => {
  it.each(['', 'team-a', 'team-a/prod'])('every backup file key round-trips with prefix "%s"', (prefix) => {
    const layout = new BucketLayout(prefix);
    for (const file of BACKUP_FILES) {
      const key = layout.backupKey('nginx-backup', file);
      expect(layout.parseBackupKey(key)).toEqual({ backup: 'nginx-backup', file });
      expect(layout.backupOfKey(key)).toBe('nginx-backup');
    }
  });

  it.each([
    ['Velero\'s backup object sits at velero-backup.json', 'backup', 'backups/b1/velero-backup.json'],
    ['the tarball is named after the backup', 'tarball', 'backups/b1/b1.tar.gz'],
    ['the resource list is gzipped JSON', 'resourceList', 'backups/b1/b1-resource-list.json.gz'],
    ['the results are gzipped', 'results', 'backups/b1/b1-results.gz'],
    ['the manifest is ferry-manifest.json', 'manifest', 'backups/b1/ferry-manifest.json'],
  ] as const)('%s', (_name, file, key) => {
    expect(new BucketLayout().backupKey('b1', file)).toBe(key);
  });

  it.each([
    ['a key outside backups/ is not a backup file', 'catalog/backups/b1.json'],
    ['an unknown file in a backup folder is not a backup file', 'backups/b1/notes.txt'],
    ['a file of another backup\'s name is not a backup file', 'backups/b1/b2.tar.gz'],
    ['a nested path is not a backup file', 'backups/b1/x/b1.tar.gz'],
    ['a name with upper case is refused', 'backups/B1/velero-backup.json'],
  ])('%s', (_name, key) => {
    expect(new BucketLayout().parseBackupKey(key)).toBeUndefined();
  });

  it('refuses to build a key from a name that could escape its folder', () => {
    expect(() => new BucketLayout().backupKey('../etc', 'tarball')).toThrow(/not a valid backup or restore name/);
  });

  it('keeps expiry\'s notes of repositories being reclaimed beside the catalog, outside its backups folder', () => {
    const layout = new BucketLayout('team-a');
    expect(layout.reclaimKey('app')).toBe('team-a/plugins/ferry/catalog/repositories/app.json');
    expect(layout.reclaimKey('app').startsWith(layout.catalogPrefix())).toBe(false);
    expect(() => layout.reclaimKey('../x')).toThrow(/not a valid backup or restore name/);
  });

  it('names a scheduled backup after its schedule and the UTC time', () => {
    expect(scheduledBackupName('nightly', new Date('2026-11-26T03:04:05.678Z'))).toBe('nightly-20261126030405');
  });
});

describe('archive paths', () => {
  it.each<[string, ItemPath, string]>([
    ['a namespaced item sits under namespaces/<ns>', { groupResource: 'deployments.apps', namespace: 'default', name: 'web' }, 'resources/deployments.apps/namespaces/default/web.json'],
    ['a cluster-scoped item sits under cluster/', { groupResource: 'persistentvolumes', namespace: '', name: 'pv-1' }, 'resources/persistentvolumes/cluster/pv-1.json'],
    ['a preferred-version copy sits under <version>-preferredversion', { groupResource: 'statefulsets.apps', namespace: 'default', name: 'web', preferredVersion: 'v1' }, 'resources/statefulsets.apps/v1-preferredversion/namespaces/default/web.json'],
  ])('%s, and the path parses back', (_name, item, path) => {
    expect(itemPath(item)).toBe(path);
    expect(parseItemPath(path)).toEqual(item);
  });

  it.each([
    ['a parent-directory segment is refused', 'resources/pods/namespaces/../x.json'],
    ['an absolute path is refused', '/resources/pods/cluster/x.json'],
    ['an entry outside resources/ and metadata/ is refused', 'etc/passwd'],
    ['a path of the wrong depth is refused', 'resources/pods/namespaces/default/extra/x.json'],
    ['a non-JSON item is refused', 'resources/pods/cluster/x.yaml'],
    ['a malformed version folder is refused', 'resources/pods/latest-preferredversion/cluster/x.json'],
  ])('%s', (_name, path) => {
    expect(isPathProblem(parseItemPath(path))).toBe(true);
  });

  it('metadata entries are not items', () => {
    expect(parseItemPath('metadata/version')).toBeUndefined();
  });
});

describe('manifest', () => {
  const good = buildManifest('b1', { 'b1.tar.gz': { size: 10, sha256: 'a'.repeat(64) } }, new Date('2026-01-01T00:00:00Z'));

  it('a manifest round-trips through JSON', () => {
    expect(parseManifest(JSON.stringify(good), 'b1')).toEqual(good);
  });

  it.each([
    ['a manifest that is not JSON is refused', '{', /not JSON/],
    ['a manifest of another backup is refused', JSON.stringify({ ...good, backup: 'b2' }), /names backup "b2"/],
    ['a file without a sha256 is refused', JSON.stringify({ ...good, files: { x: { size: 1 } } }), /sha256/],
    ['a file name with a slash is refused', JSON.stringify({ ...good, files: { '../x': { size: 1, sha256: 'a'.repeat(64) } } }), /unsafe file name/],
  ])('%s', (_name, text, message) => {
    expect(() => parseManifest(text, 'b1')).toThrow(message);
  });
});
