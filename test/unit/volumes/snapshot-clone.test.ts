import { describe, expect, it } from 'vitest';
import type { ApiResource } from '../../../lib/kube/cluster.js';
import type { KubeObject } from '../../../lib/model/object.js';
import { MoverError } from '../../../lib/volumes/errors.js';
import { claimDriver, cloneClaim, planRead, type ReadPlan } from '../../../lib/volumes/snapshot-clone.js';
import { FakeCluster } from '../../support/fake-cluster.js';

const volume = (spec: Record<string, unknown>, annotations?: Record<string, string>): KubeObject =>
  ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1', ...(annotations ? { annotations } : {}) }, spec });
const storageClass: KubeObject = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'ferry.local/hostpath' };

describe('claimDriver', () => {
  it.each([
    ['a CSI volume is snapshotted by its CSI driver, whatever its class says', volume({ csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-1' } }), storageClass, 'ebs.csi.aws.com'],
    ['a volume of a provisioner (not CSI) is snapshotted by its StorageClass\'s provisioner', volume({ hostPath: { path: '/v' } }), storageClass, 'ferry.local/hostpath'],
    ['a volume whose class is gone falls back to the provisioner that made it', volume({ hostPath: { path: '/v' } }, { 'pv.kubernetes.io/provisioned-by': 'ferry.local/hostpath' }), undefined, 'ferry.local/hostpath'],
    ['a volume made by hand in no class has no driver: it is read live', volume({ hostPath: { path: '/v' } }), undefined, undefined],
  ])('%s', (_name, pv, sc, driver) => {
    expect(claimDriver(pv, sc)).toBe(driver);
  });
});

const SNAP = 'snapshot.storage.k8s.io/v1';
const classResource: ApiResource = { group: 'snapshot.storage.k8s.io', version: 'v1', resource: 'volumesnapshotclasses', kind: 'VolumeSnapshotClass', namespaced: false, verbs: ['list'] };
const snapshotClass = (name: string, driver: string, isDefault = false): KubeObject => ({ apiVersion: SNAP, kind: 'VolumeSnapshotClass', driver, deletionPolicy: 'Delete',
  metadata: { name, ...(isDefault ? { annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } } : {}) } });
const boundClaim = (annotations?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'app', ...(annotations ? { annotations } : {}) },
  spec: { storageClassName: 'fast', volumeName: 'pv-1', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } }, status: { phase: 'Bound' } });
const world = (resources: ApiResource[], ...objects: KubeObject[]) => new FakeCluster(resources).seed(
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } }, volume({ hostPath: { path: '/v' } }), storageClass, ...objects);

describe('planRead', () => {
  it.each([
    ['the cluster does not serve the snapshot API: live, saying so', [], [boundClaim()],
      { source: 'live', reason: 'the cluster does not serve snapshot.storage.k8s.io/v1 VolumeSnapshotClass' }],
    ['no class for the driver: live, naming the driver', [classResource], [boundClaim(), snapshotClass('other', 'ebs.csi.aws.com')],
      { source: 'live', reason: 'no VolumeSnapshotClass for driver ferry.local/hostpath' }],
    ['the driver\'s default class among several: a snapshot with it', [classResource],
      [boundClaim(), snapshotClass('a', 'ferry.local/hostpath'), snapshotClass('b', 'ferry.local/hostpath', true)], { source: 'snapshot', snapshotClass: 'b' }],
    ['the class the claim names (Velero\'s annotation) wins over the default', [classResource],
      [boundClaim({ 'velero.io/csi-volumesnapshot-class': 'a' }), snapshotClass('a', 'ferry.local/hostpath'), snapshotClass('b', 'ferry.local/hostpath', true)],
      { source: 'snapshot', snapshotClass: 'a' }],
    ['several classes and no default: live, with the CSI pass\'s reason', [classResource],
      [boundClaim(), snapshotClass('a', 'ferry.local/hostpath'), snapshotClass('b', 'ferry.local/hostpath')],
      { source: 'live', reason: 'driver ferry.local/hostpath has 2 VolumeSnapshotClasses and none is the default (a, b): name one in pvBackup.volumeSnapshotClasses' }],
  ])('%s', async (_name, resources, objects, expected) => {
    expect(await planRead(world(resources, ...objects), 'app', 'data')).toMatchObject(expected);
  });
});

describe('cloneClaim', () => {
  const planned = async (cluster: FakeCluster) => (await planRead(cluster, 'app', 'data')) as Extract<ReadPlan, { source: 'snapshot' }>;
  const setStatus = (cluster: FakeCluster, key: string, status: Record<string, unknown>) => {
    const o = cluster.objects.get(key);
    if (o) cluster.objects.set(key, { ...o, status });
  };
  const snapKey = `${SNAP}/VolumeSnapshot/app/ferry-mover-backup-1`;

  it('clones the claim from the ready snapshot (class, access modes, the snapshot\'s restore size), and removes both, the content made deletable first', async () => {
    const cluster = world([classResource], boundClaim(), snapshotClass('b', 'ferry.local/hostpath'),
      { apiVersion: SNAP, kind: 'VolumeSnapshotContent', metadata: { name: 'content-1' }, spec: { deletionPolicy: 'Retain' } });
    const sleep = async () => {
      setStatus(cluster, snapKey, { readyToUse: true, boundVolumeSnapshotContentName: 'content-1', restoreSize: '3Gi' });
      setStatus(cluster, 'v1/PersistentVolumeClaim/app/ferry-mover-backup-1', { phase: 'Bound' });
    };
    const clone = await cloneClaim(cluster, await planned(cluster), 'ferry-mover-backup-1', { l: 'v' }, { timeoutMs: 60_000, now: () => 0, sleep });
    expect(cluster.objects.get('v1/PersistentVolumeClaim/app/ferry-mover-backup-1')?.spec).toEqual({
      storageClassName: 'fast', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '3Gi' } },
      dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'ferry-mover-backup-1' },
    });
    await clone.remove();
    expect(cluster.objects.get(`${SNAP}/VolumeSnapshotContent//content-1`)?.spec).toEqual({ deletionPolicy: 'Delete' });
    expect(cluster.keys('delete')).toEqual(['v1/PersistentVolumeClaim/app/ferry-mover-backup-1', snapKey]);
  });

  it('fails as a timeout when the clone of an Immediate class is not bound in time, and leaves nothing behind', async () => {
    const cluster = world([classResource], boundClaim(), snapshotClass('b', 'ferry.local/hostpath'));
    let t = 0;
    const sleep = async () => { t += 20_000; setStatus(cluster, snapKey, { readyToUse: true, restoreSize: '3Gi' }); };
    const err = await cloneClaim(cluster, await planned(cluster), 'ferry-mover-backup-1', {}, { timeoutMs: 60_000, now: () => t, sleep }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'timeout', message: 'clone PersistentVolumeClaim app/ferry-mover-backup-1 was not bound within 60 s (phase unknown)' });
    expect([...cluster.objects.keys()].filter((k) => k.includes('ferry-mover'))).toEqual([]);
  });

  it.each([
    ['a snapshot the driver fails fails the move with its message', { readyToUse: false, error: { message: 'disk is busy' } }, 1, 'failed',
      'VolumeSnapshot app/ferry-mover-backup-1 of PersistentVolumeClaim data failed: disk is busy'],
    ['a snapshot not ready within the move\'s timeout fails it as a timeout', { readyToUse: false }, 120_000, 'timeout',
      'VolumeSnapshot app/ferry-mover-backup-1 of PersistentVolumeClaim data was not ready within 60 s'],
  ])('%s, and leaves nothing behind', async (_name, status, step, kind, message) => {
    const cluster = world([classResource], boundClaim(), snapshotClass('b', 'ferry.local/hostpath'));
    let t = 0;
    const sleep = async () => { t += step; setStatus(cluster, snapKey, status); };
    const err = await cloneClaim(cluster, await planned(cluster), 'ferry-mover-backup-1', {}, { timeoutMs: 60_000, now: () => t, sleep }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoverError);
    expect(err).toMatchObject({ kind, message });
    expect([...cluster.objects.keys()].filter((k) => k.includes('ferry-mover'))).toEqual([]);
  });
});
