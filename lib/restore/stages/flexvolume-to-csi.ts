import { type KubeObject } from '../../model/object.js';
import { flexVolumeDrivers, type FlexVolumeDriver } from '../flexvolume-drivers.js';
import { asRecord, asString, recordAt, copyJson } from '../json-access.js';
import type { Stage, StageResult, TransformContext, TransformItem } from '../types.js';
import { withObject } from '../types.js';

const ZONE_LABELS = ['topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/zone'];
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
const CLAIM_PROVISIONER = ['volume.beta.kubernetes.io/storage-provisioner', 'volume.kubernetes.io/storage-provisioner'];

/**
 * FlexVolume to CSI: a PersistentVolume whose flexVolume driver is in the driver table gets the equivalent
 * `csi` source; a StorageClass whose provisioner is a FlexVolume driver gets the CSI driver as provisioner,
 * and so do the provisioner annotations of PersistentVolumeClaims.
 */
export function flexVolumeToCsi(item: TransformItem, context: TransformContext): StageResult {
  const drivers = flexVolumeDrivers(context.spec.flexVolumeDrivers);
  if (item.groupResource === 'persistentvolumes') return convertPersistentVolume(item, drivers);
  if (item.groupResource === 'persistentvolumeclaims') {
    const annotations = item.object.metadata.annotations ?? {};
    const keys = CLAIM_PROVISIONER.filter((k) => annotations[k] !== undefined && drivers[annotations[k]]);
    if (keys.length === 0) return { item };
    const object = copyJson(item.object);
    for (const key of keys) object.metadata.annotations![key] = drivers[annotations[key]!]!.driver;
    return { item: withObject(item, object) };
  }
  if (item.groupResource === 'storageclasses.storage.k8s.io') {
    const provisioner = asString(item.object.provisioner);
    const driver = provisioner ? drivers[provisioner] : undefined;
    if (!driver) return { item };
    const object = copyJson(item.object);
    object.provisioner = driver.driver;
    return { item: withObject(item, object), warnings: [`provisioner ${provisioner} (FlexVolume) became ${driver.driver} (CSI); check its parameters`] };
  }
  return { item };
}

function convertPersistentVolume(item: TransformItem, drivers: Record<string, FlexVolumeDriver>): StageResult {
  const flex = recordAt(item.object, 'spec', 'flexVolume');
  if (!flex) return { item };
  const flexDriver = asString(flex.driver) ?? '';
  const driver = drivers[flexDriver];
  if (!driver) {
    return { item, warnings: [`FlexVolume driver "${flexDriver}" has no CSI mapping (add one under spec.flexVolumeDrivers); kept as FlexVolume`] };
  }
  const object = copyJson(item.object);
  const spec = asRecord(object.spec)!;
  const options = stringOptions(flex.options);
  const handle = driver.volumeHandleOption ? options[driver.volumeHandleOption] : object.metadata.name;
  if (!handle) {
    return { item, errors: [`FlexVolume option "${driver.volumeHandleOption}" is missing, so the CSI volumeHandle is unknown; kept as FlexVolume`] };
  }
  const csi: Record<string, unknown> = { driver: driver.driver, volumeHandle: handle };
  if (flex.fsType !== undefined) csi.fsType = flex.fsType;
  if (flex.readOnly !== undefined) csi.readOnly = flex.readOnly;
  if (flex.secretRef !== undefined) csi.nodePublishSecretRef = { ...asRecord(flex.secretRef), namespace: asString(asRecord(flex.secretRef)?.namespace) ?? 'default' };
  const attributes = volumeAttributes(options, driver);
  if (Object.keys(attributes).length > 0) csi.volumeAttributes = attributes;
  delete spec.flexVolume;
  spec.csi = csi;
  const mountOptions = mountOptionsOf(options, driver);
  if (mountOptions.length > 0) spec.mountOptions = [...(Array.isArray(spec.mountOptions) ? spec.mountOptions : []), ...mountOptions];
  addZoneAffinity(object, driver);
  if (object.metadata.annotations?.[PROVISIONED_BY] === flexDriver) object.metadata.annotations[PROVISIONED_BY] = driver.driver;
  return { item: withObject(item, object), warnings: [`FlexVolume (${flexDriver}) became CSI (${driver.driver})`] };
}

function stringOptions(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asRecord(value) ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

function volumeAttributes(options: Record<string, string>, driver: FlexVolumeDriver): Record<string, string> {
  const skip = new Set([driver.volumeHandleOption, ...Object.keys(driver.mountOptions ?? {})]);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(options)) {
    if (skip.has(key)) continue;
    if (!driver.attributes) out[key] = value;
    else if (driver.attributes[key]) out[driver.attributes[key]] = value;
  }
  return out;
}

function mountOptionsOf(options: Record<string, string>, driver: FlexVolumeDriver): string[] {
  return Object.entries(driver.mountOptions ?? {})
    .filter(([key]) => options[key])
    .map(([key, template]) => template.replace('%s', options[key]!));
}

/** NOTE: FlexVolume disks were pinned to a zone by label; CSI schedules by the driver's topology key instead. */
function addZoneAffinity(pv: KubeObject, driver: FlexVolumeDriver): void {
  const spec = asRecord(pv.spec)!;
  if (!driver.zoneTopologyKey || spec.nodeAffinity !== undefined) return;
  const zone = ZONE_LABELS.map((l) => pv.metadata.labels?.[l]).find((z) => z);
  if (!zone) return;
  spec.nodeAffinity = {
    required: { nodeSelectorTerms: [{ matchExpressions: [{ key: driver.zoneTopologyKey, operator: 'In', values: [zone] }] }] },
  };
}

/** Stage 2: FlexVolume to CSI. */
export const flexVolumeToCsiStage: Stage = { name: 'flexvolume-to-csi', run: flexVolumeToCsi };
