import { describe, expect, it } from 'vitest';
import { flexVolumeToCsi } from '../../../../lib/restore/stages/flexvolume-to-csi.js';
import { contextWith, frozen, itemOf, keptObject, obj } from '../fixtures.js';

const flexPv = (flexVolume: Record<string, unknown>, labels: Record<string, string> = {}) => frozen(obj('v1', 'PersistentVolume', 'd-123', undefined, {
  spec: { capacity: { storage: '20Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'alicloud-disk-ssd', flexVolume },
}, { labels, annotations: { 'pv.kubernetes.io/provisioned-by': String(flexVolume.driver) } }));

describe('flexvolume-to-csi stage', () => {
  it('turns an Alibaba Cloud disk into a CSI disk, pinned to its zone by the CSI topology key', () => {
    const out = keptObject(flexVolumeToCsi(itemOf(flexPv({ driver: 'alicloud/disk', fsType: 'ext4', options: { volumeId: 'd-bp1abc' } },
      { 'failure-domain.beta.kubernetes.io/zone': 'cn-beijing-g' })), contextWith()));
    expect(out.spec).toEqual({
      capacity: { storage: '20Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'alicloud-disk-ssd',
      csi: { driver: 'diskplugin.csi.alibabacloud.com', volumeHandle: 'd-bp1abc', fsType: 'ext4' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [
        { key: 'topology.diskplugin.csi.alibabacloud.com/zone', operator: 'In', values: ['cn-beijing-g'] }] }] } },
    });
    expect(out.metadata.annotations).toEqual({ 'pv.kubernetes.io/provisioned-by': 'diskplugin.csi.alibabacloud.com' });
  });

  it('turns an Alibaba Cloud NAS volume into CSI, with vers and options as mount options and the PV name as handle', () => {
    const out = keptObject(flexVolumeToCsi(itemOf(flexPv({ driver: 'alicloud/nas', options: {
      server: 'x.cn-beijing.nas.aliyuncs.com', path: '/k8s', vers: '3', options: 'nolock,tcp,noresvport' } })), contextWith()));
    expect(out.spec).toMatchObject({
      csi: { driver: 'nasplugin.csi.alibabacloud.com', volumeHandle: 'd-123', volumeAttributes: { server: 'x.cn-beijing.nas.aliyuncs.com', path: '/k8s' } },
      mountOptions: ['vers=3', 'nolock,tcp,noresvport'],
    });
  });

  it('uses a driver mapping from the spec for a driver the table does not know', () => {
    const out = keptObject(flexVolumeToCsi(itemOf(flexPv({ driver: 'acme/block', options: { id: 'vol-9', tier: 'gold' } })),
      contextWith({ flexVolumeDrivers: { 'acme/block': { driver: 'block.csi.acme.io', volumeHandleOption: 'id' } } })));
    expect(out.spec).toMatchObject({ csi: { driver: 'block.csi.acme.io', volumeHandle: 'vol-9', volumeAttributes: { tier: 'gold' } } });
  });

  it('keeps a volume of an unknown driver and warns', () => {
    const pv = flexPv({ driver: 'acme/block', options: {} });
    const result = flexVolumeToCsi(itemOf(pv), contextWith());
    expect(keptObject(result)).toBe(pv);
    expect(result).toMatchObject({ warnings: [expect.stringContaining('has no CSI mapping')] });
  });

  it('reports a disk without its volumeId option and keeps it as it was', () => {
    const result = flexVolumeToCsi(itemOf(flexPv({ driver: 'alicloud/disk', options: {} })), contextWith());
    expect(result).toMatchObject({ errors: [expect.stringContaining('volumeId')] });
  });

  it('points a claim\'s provisioner annotations at the CSI driver', () => {
    const pvc = frozen(obj('v1', 'PersistentVolumeClaim', 'data', 'default', { spec: {} }, { annotations: {
      'volume.beta.kubernetes.io/storage-provisioner': 'alicloud/disk', 'volume.kubernetes.io/storage-provisioner': 'alicloud/disk', other: 'alicloud/disk' } }));
    expect(keptObject(flexVolumeToCsi(itemOf(pvc), contextWith())).metadata.annotations).toEqual({
      'volume.beta.kubernetes.io/storage-provisioner': 'diskplugin.csi.alibabacloud.com',
      'volume.kubernetes.io/storage-provisioner': 'diskplugin.csi.alibabacloud.com', other: 'alicloud/disk' });
  });

  it('moves a StorageClass from the FlexVolume provisioner to the CSI driver', () => {
    const sc = obj('storage.k8s.io/v1', 'StorageClass', 'alicloud-disk-ssd', undefined, { provisioner: 'alicloud/disk', parameters: { type: 'cloud_ssd' } });
    expect(keptObject(flexVolumeToCsi(itemOf(sc), contextWith())).provisioner).toBe('diskplugin.csi.alibabacloud.com');
  });
});
