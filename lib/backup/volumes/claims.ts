import { isRecord, type KubeObject } from '../../model/object.js';

const asRecord = (v: unknown): Record<string, unknown> | undefined => (isRecord(v) ? v : undefined);
const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The snapshot API's group and version (external-snapshotter v1). */
export const SNAPSHOT_API_VERSION = 'snapshot.storage.k8s.io/v1';

/** The annotation that makes a VolumeSnapshotClass its driver's default (external-snapshotter's). */
export const DEFAULT_CLASS_ANNOTATION = 'snapshot.storage.kubernetes.io/is-default-class';

/** Velero's annotation on a claim naming the VolumeSnapshotClass to snapshot it with. */
export const CLAIM_CLASS_ANNOTATION = 'velero.io/csi-volumesnapshot-class';

/** PersistentVolume sources that are not CSI, as the user knows them (for the warning). */
const NON_CSI_SOURCES = ['hostPath', 'local', 'nfs', 'awsElasticBlockStore', 'gcePersistentDisk', 'azureDisk', 'azureFile',
  'cinder', 'flexVolume', 'iscsi', 'fc', 'rbd', 'cephfs', 'glusterfs', 'vsphereVolume', 'portworxVolume', 'photonPersistentDisk',
  'quobyte', 'scaleIO', 'storageos', 'flocker'];

/** A claim that can be snapshotted: bound to a CSI volume. */
export interface SnapshotCandidate {
  namespace: string;
  claim: string;
  volume: string;
  driver: string;
  /** The class named on the claim by Velero's annotation, if any. */
  requestedClass?: string;
}

/** A claim as the snapshot pass sees it: a candidate, or the reason it cannot be snapshotted. */
export type ClaimVerdict = { candidate: SnapshotCandidate } | { skip: string };

/**
 * Decides whether a backed-up claim can be snapshotted with CSI: it must be Bound to a PersistentVolume whose
 * source is `csi`. `volume` is the PV read from the cluster (undefined when it does not exist).
 */
export function classifyClaim(claim: KubeObject, volume: KubeObject | undefined): ClaimVerdict {
  const spec = asRecord(claim.spec);
  const phase = asString(asRecord(claim.status)?.phase);
  const volumeName = asString(spec?.volumeName);
  if (!volumeName || phase !== 'Bound') return { skip: `it is not bound to a volume (phase ${phase ?? 'unknown'}): nothing to snapshot` };
  if (!volume) return { skip: `its PersistentVolume ${volumeName} does not exist` };
  const pvSpec = asRecord(volume.spec);
  const driver = asString(asRecord(pvSpec?.csi)?.driver);
  if (!driver) {
    const source = NON_CSI_SOURCES.find((s) => pvSpec?.[s] !== undefined) ?? 'not CSI';
    return { skip: `its PersistentVolume ${volumeName} is not a CSI volume (${source}): its data is not backed up` };
  }
  const requestedClass = claim.metadata.annotations?.[CLAIM_CLASS_ANNOTATION];
  return {
    candidate: {
      namespace: claim.metadata.namespace ?? '', claim: claim.metadata.name ?? '', volume: volumeName, driver,
      ...(requestedClass ? { requestedClass } : {}),
    },
  };
}

/**
 * The VolumeSnapshotClass to snapshot a candidate with: the one its claim names, else the one the spec names
 * for its driver, else the driver's class annotated as default, else the driver's only class. Returns the
 * class or the reason there is none.
 */
export function chooseSnapshotClass(candidate: SnapshotCandidate, classes: readonly KubeObject[],
  classByDriver: Readonly<Record<string, string>>): { snapshotClass: KubeObject } | { problem: string } {
  const named = candidate.requestedClass ?? classByDriver[candidate.driver];
  if (named) {
    const found = classes.find((c) => c.metadata.name === named);
    if (!found) return { problem: `VolumeSnapshotClass ${named} (named for driver ${candidate.driver}) does not exist` };
    if (found.driver !== candidate.driver) return { problem: `VolumeSnapshotClass ${named} is for driver ${String(found.driver)}, not ${candidate.driver}` };
    return { snapshotClass: found };
  }
  const ofDriver = classes.filter((c) => c.driver === candidate.driver);
  const defaults = ofDriver.filter((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
  if (defaults.length === 1) return { snapshotClass: defaults[0]! };
  if (defaults.length > 1) {
    return { problem: `driver ${candidate.driver} has ${defaults.length} default VolumeSnapshotClasses (${names(defaults)}): name one in pvBackup.volumeSnapshotClasses` };
  }
  if (ofDriver.length === 1) return { snapshotClass: ofDriver[0]! };
  if (ofDriver.length === 0) return { problem: `no VolumeSnapshotClass for driver ${candidate.driver}` };
  return { problem: `driver ${candidate.driver} has ${ofDriver.length} VolumeSnapshotClasses and none is the default (${names(ofDriver)}): name one in pvBackup.volumeSnapshotClasses` };
}

function names(objects: readonly KubeObject[]): string {
  return objects.map((o) => o.metadata.name).join(', ');
}
