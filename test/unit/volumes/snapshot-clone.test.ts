import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../lib/model/object.js';
import { claimDriver } from '../../../lib/volumes/snapshot-clone.js';

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
