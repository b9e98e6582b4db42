import type { FlexVolumeDriverMapping } from '../spec/restore-spec.js';

/** How one FlexVolume driver's volumes become CSI volumes. */
export interface FlexVolumeDriver extends FlexVolumeDriverMapping {
  /** FlexVolume options that become mount options instead of attributes: option -> template (`%s` is the value). */
  mountOptions?: Record<string, string>;
  /** A node label key the CSI driver schedules on; the PV's zone label becomes required node affinity. */
  zoneTopologyKey?: string;
}

/**
 * The FlexVolume drivers of Alibaba Cloud Container Service (the seed's vendor) and their CSI successors.
 * A restore's spec.flexVolumeDrivers adds drivers or replaces these.
 */
export const DEFAULT_FLEXVOLUME_DRIVERS: Readonly<Record<string, FlexVolumeDriver>> = {
  'alicloud/disk': {
    driver: 'diskplugin.csi.alibabacloud.com', volumeHandleOption: 'volumeId', attributes: {},
    zoneTopologyKey: 'topology.diskplugin.csi.alibabacloud.com/zone',
  },
  'alicloud/nas': {
    driver: 'nasplugin.csi.alibabacloud.com', attributes: { server: 'server', path: 'path', mode: 'mode', modeType: 'modeType' },
    mountOptions: { vers: 'vers=%s', options: '%s' },
  },
  'alicloud/oss': { driver: 'ossplugin.csi.alibabacloud.com' },
};

/** The default drivers with the spec's own mappings laid over them. */
export function flexVolumeDrivers(fromSpec: Readonly<Record<string, FlexVolumeDriverMapping>> = {}): Record<string, FlexVolumeDriver> {
  return { ...DEFAULT_FLEXVOLUME_DRIVERS, ...fromSpec };
}
