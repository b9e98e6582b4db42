import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../lib/model/object.js';
import { parseResourceModifiers, type ResourceModifiers } from '../../../../lib/restore/modifiers/index.js';
import { transformAll } from '../../../../lib/restore/pipeline.js';
import { restoredContentName, withVolumeSnapshots } from '../../../../lib/restore/volumes/restore-objects.js';
import { restoreVolumesOf, type VolumeRecord } from '../../../../lib/restore/volumes/records.js';
import { contextWith, itemOf, obj } from '../fixtures.js';

const DISK = 'diskplugin.csi.alibabacloud.com';
const record = (claim: string, volume: string): VolumeRecord =>
  ({ namespace: 'default', claim, snapshotName: `ferry-${claim}-0a1b2c3d`, handle: `s-${claim}`, driver: DISK, restoreSize: 21474836480, volume });
const RECORDS = [record('www-web-0', 'pv-0'), record('www-web-1', 'pv-1')];

const pvc = (name: string, volume: string): KubeObject => obj('v1', 'PersistentVolumeClaim', name, 'default', {
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } }, storageClassName: 'alicloud-disk-topology-alltype', volumeName: volume },
  status: { phase: 'Bound' },
}, { labels: { app: 'nginx' }, annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'volume.kubernetes.io/storage-provisioner': DISK } });
const pv = (name: string, claim: string): KubeObject => obj('v1', 'PersistentVolume', name, undefined, {
  spec: { csi: { driver: DISK, volumeHandle: `d-${name}` }, claimRef: { namespace: 'default', name: claim } },
});
const BACKUP = [pvc('www-web-0', 'pv-0'), pvc('www-web-1', 'pv-1'), pv('pv-0', 'www-web-0'), pv('pv-1', 'www-web-1'),
  pvc('plain', 'pv-plain'), pv('pv-plain', 'plain'), obj('v1', 'ConfigMap', 'settings', 'default', { data: { a: 'b' } })];

function restore(fields: Record<string, unknown>, targetDrivers: string[] | undefined = [DISK], records = RECORDS, modifiers?: ResourceModifiers) {
  const context = contextWith({ namespaceMapping: { default: 'default1' }, ...fields }, {
    ...(modifiers ? { modifiers } : {}),
    volumes: restoreVolumesOf(records, { ...(targetDrivers ? { targetDrivers } : {}), driverMapping: (fields.csiDriverMapping ?? {}) as Record<string, string> }),
  });
  return withVolumeSnapshots(transformAll(BACKUP.map(itemOf), context), context);
}

const find = (items: { object: KubeObject }[], kind: string, name: string) => items.find((i) => i.object.kind === kind && i.object.metadata.name === name)?.object;

describe('claims restored from CSI snapshots', () => {
  it('gives each snapshotted claim a dataSource in the mapped namespace, with no volumeName, and leaves its PV out', () => {
    const result = restore({ storageClassMapping: { 'alicloud-disk-topology-alltype': 'alicloud-disk-essd' } });
    const claim = find(result.items, 'PersistentVolumeClaim', 'www-web-0')!;
    expect(claim.metadata.namespace).toBe('default1');
    expect(claim.spec).toEqual({
      accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } }, storageClassName: 'alicloud-disk-essd',
      dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'ferry-www-web-0-0a1b2c3d' },
    });
    expect(claim.metadata.annotations).toBeUndefined();
    expect(find(result.items, 'PersistentVolume', 'pv-0')).toBeUndefined();
    expect(result.skipped.map((s) => `${s.item.object.metadata.name}: ${s.reason}`)).toEqual([
      'pv-0: its data is restored from snapshot default/ferry-www-web-0-0a1b2c3d: claim www-web-0 gets a new volume provisioned from it',
      'pv-1: its data is restored from snapshot default/ferry-www-web-1-0a1b2c3d: claim www-web-1 gets a new volume provisioned from it',
    ]);
    expect(find(result.items, 'PersistentVolumeClaim', 'plain')?.spec).toMatchObject({ volumeName: 'pv-plain' });
    expect(find(result.items, 'PersistentVolume', 'pv-plain')).toBeDefined();
    expect(result.errors).toEqual({});
  });

  it('adds a pre-provisioned content and a bound VolumeSnapshot per claim, ordered before the claims', () => {
    const result = restore({});
    const contentName = restoredContentName('r1', 'default1', 'ferry-www-web-0-0a1b2c3d');
    const labels = { 'velero.io/backup-name': 'b1', 'velero.io/restore-name': 'r1' };
    expect(find(result.items, 'VolumeSnapshotContent', contentName)).toEqual({
      apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotContent', metadata: { name: contentName, labels },
      spec: {
        deletionPolicy: 'Retain', driver: DISK, source: { snapshotHandle: 's-www-web-0' },
        volumeSnapshotRef: { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', namespace: 'default1', name: 'ferry-www-web-0-0a1b2c3d' },
      },
    });
    expect(find(result.items, 'VolumeSnapshot', 'ferry-www-web-0-0a1b2c3d')).toEqual({
      apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'ferry-www-web-0-0a1b2c3d', namespace: 'default1', labels },
      spec: { source: { volumeSnapshotContentName: contentName } },
    });
    const order = result.items.map((i) => i.object.kind);
    expect(order.lastIndexOf('VolumeSnapshotContent')).toBeLessThan(order.indexOf('VolumeSnapshot'));
    expect(order.lastIndexOf('VolumeSnapshot')).toBeLessThan(order.indexOf('PersistentVolumeClaim'));
    expect(order.filter((k) => k === 'VolumeSnapshot')).toHaveLength(2);
  });

  it('drops the claims of a driver the target lacks with a clear error and restores neither their PV nor snapshot objects', () => {
    const result = restore({}, ['ebs.csi.aws.com']);
    expect(find(result.items, 'PersistentVolumeClaim', 'www-web-0')).toBeUndefined();
    expect(find(result.items, 'PersistentVolume', 'pv-0')).toBeUndefined();
    expect(result.items.some((i) => i.object.kind.startsWith('VolumeSnapshot'))).toBe(false);
    expect(result.errors.namespaces?.default1).toEqual([
      expect.stringMatching(/^PersistentVolumeClaim default1\/www-web-0: failed: the target cluster has no CSI driver diskplugin.csi.alibabacloud.com/),
      expect.stringMatching(/^PersistentVolumeClaim default1\/www-web-1: /),
    ]);
  });

  it('restores with the mapped driver when csiDriverMapping names one the target has', () => {
    const result = restore({ csiDriverMapping: { [DISK]: 'ebs.csi.aws.com' } }, ['ebs.csi.aws.com']);
    expect(result.errors).toEqual({});
    const contents = result.items.filter((i) => i.object.kind === 'VolumeSnapshotContent');
    expect(contents.map((c) => (c.object.spec as { driver: string }).driver)).toEqual(['ebs.csi.aws.com', 'ebs.csi.aws.com']);
  });

  it('leaves claims and volumes alone when the backup holds no snapshot records', () => {
    const result = restore({}, [DISK], []);
    expect(find(result.items, 'PersistentVolumeClaim', 'www-web-0')?.spec).toMatchObject({ volumeName: 'pv-0' });
    expect(find(result.items, 'PersistentVolume', 'pv-0')).toBeDefined();
    expect(result.items.some((i) => i.object.kind === 'VolumeSnapshot')).toBe(false);
  });

  it('adds no snapshot objects for a claim whose dataSource a resource modifier changed', () => {
    const modifiers = { version: 'v1', resourceModifierRules: [{ conditions: { groupResource: 'persistentvolumeclaims', resourceNameRegex: 'www-web-1' },
      mergePatches: [{ patchData: '{"spec":{"dataSource":null}}' }] }] };
    const result = restore({}, [DISK], RECORDS, parseResourceModifiers(JSON.stringify(modifiers), 'rules'));
    const snapshots = result.items.filter((i) => i.object.kind === 'VolumeSnapshot').map((i) => i.object.metadata.name);
    expect(snapshots).toEqual(['ferry-www-web-0-0a1b2c3d']);
  });

  it.each([
    ['the restored content name is stable for a restore and namespace', 'r1', 'ns', 'snap', restoredContentName('r1', 'ns', 'snap')],
  ])('%s', (_name, r, ns, snap, expected) => {
    expect(restoredContentName(r, ns, snap)).toBe(expected);
    expect(restoredContentName(r, ns, snap)).not.toBe(restoredContentName('r2', ns, snap));
    expect(restoredContentName(r, ns, 'x'.repeat(253)).length).toBeLessThanOrEqual(253);
  });
});
