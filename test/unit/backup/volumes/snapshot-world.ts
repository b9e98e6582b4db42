// A recording fake cluster that plays the CSI snapshot controller, and the objects of a small volume world.
import type { ApiResource } from '../../../../lib/kube/cluster.js';
import type { KubeObject } from '../../../../lib/model/object.js';
import { FakeCluster } from '../../../support/fake-cluster.js';

const SNAP = 'snapshot.storage.k8s.io/v1';
const r = (group: string, version: string, resource: string, kind: string, namespaced: boolean): ApiResource =>
  ({ group, version, resource, kind, namespaced, verbs: ['list', 'get', 'create', 'patch', 'delete'] });

/** The snapshot API's resources, as discovery lists them when the CRDs are installed. */
export const SNAPSHOT_RESOURCES: ApiResource[] = [
  r('snapshot.storage.k8s.io', 'v1', 'volumesnapshotclasses', 'VolumeSnapshotClass', false),
  r('snapshot.storage.k8s.io', 'v1', 'volumesnapshots', 'VolumeSnapshot', true),
  r('snapshot.storage.k8s.io', 'v1', 'volumesnapshotcontents', 'VolumeSnapshotContent', false),
];

/** How the fake controller treats a snapshot, by claim name. */
export type ControllerBehaviour = { readyAfterReads: number } | { failWith: string } | 'never';

/** A FakeCluster whose VolumeSnapshots become ready (or fail, or never do) as a snapshot controller would make them. */
export class SnapshotControllerCluster extends FakeCluster {
  readonly behaviour = new Map<string, ControllerBehaviour>();
  private readonly reads = new Map<string, number>();

  constructor(resources: ApiResource[] = SNAPSHOT_RESOURCES) {
    super(resources);
  }

  override async read(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined> {
    if (kind === 'VolumeSnapshot') this.reconcile(name, namespace ?? '');
    return super.read(apiVersion, kind, name, namespace);
  }

  private reconcile(name: string, namespace: string): void {
    const key = `${SNAP}/VolumeSnapshot/${namespace}/${name}`;
    const snapshot = this.objects.get(key);
    if (!snapshot) return;
    const spec = snapshot.spec as { source: { persistentVolumeClaimName: string }; volumeSnapshotClassName: string };
    const claim = spec.source.persistentVolumeClaimName;
    const behaviour = this.behaviour.get(claim) ?? { readyAfterReads: 0 };
    const count = (this.reads.get(key) ?? 0) + 1;
    this.reads.set(key, count);
    if (behaviour === 'never') return;
    if ('failWith' in behaviour) {
      snapshot.status = { readyToUse: false, error: { message: behaviour.failWith } };
      return;
    }
    if (count <= behaviour.readyAfterReads) return;
    const contentName = `snapcontent-${name}`;
    this.objects.set(`${SNAP}/VolumeSnapshotContent//${contentName}`, {
      apiVersion: SNAP, kind: 'VolumeSnapshotContent', metadata: { name: contentName },
      spec: {
        deletionPolicy: 'Delete', driver: 'diskplugin.csi.alibabacloud.com', volumeSnapshotClassName: spec.volumeSnapshotClassName,
        source: { volumeHandle: `d-${claim}` }, volumeSnapshotRef: { kind: 'VolumeSnapshot', namespace, name },
      },
      status: { readyToUse: true, snapshotHandle: `s-${claim}`, restoreSize: 21474836480 },
    });
    snapshot.status = { readyToUse: true, boundVolumeSnapshotContentName: contentName, restoreSize: '20Gi' };
  }
}

/** A namespace object. */
export function namespace(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

/** A claim, bound to `volume` when given. */
export function claim(ns: string, name: string, volume?: string, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } }, ...(volume ? { volumeName: volume } : {}) },
    status: { phase: volume ? 'Bound' : 'Pending' },
  };
}

/** A PersistentVolume with a CSI source of `driver`, or with `source` (hostPath, nfs, ...). */
export function volume(name: string, source: { driver: string } | Record<string, unknown>): KubeObject {
  const spec = 'driver' in source ? { csi: { driver: source.driver, volumeHandle: `d-${name}` } } : source;
  return { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name }, spec: { capacity: { storage: '20Gi' }, ...spec } };
}

/** A VolumeSnapshotClass of `driver`, the default one when `isDefault`. */
export function snapshotClass(name: string, driver: string, isDefault = false): KubeObject {
  return {
    apiVersion: SNAP, kind: 'VolumeSnapshotClass', driver, deletionPolicy: 'Delete',
    metadata: { name, ...(isDefault ? { annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } } : {}) },
  };
}
