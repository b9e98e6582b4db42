// What tests of running workloads need on the local stack's nodes: pods listed and waited for, a claim's volume
// folder on this machine, a page fetched from a pod's address, and namespaces that really go away.
import type { Cluster } from '../../lib/kube/cluster.js';
import type { KubeObject } from '../../lib/model/object.js';

/** The parts of a Pod these tests read. */
export interface PodView {
  name: string;
  phase: string;
  nodeName?: string;
  podIP?: string;
  images: string[];
  owners: string[];
  /** The uids its owner references name (a pod of an earlier object of the same name is not the current one's). */
  ownerUids: string[];
  volumes: { name: string; projected?: unknown; persistentVolumeClaim?: { claimName: string } }[];
  /** The PodScheduled condition's reason and message when the scheduler could not place the pod. */
  unschedulable?: string;
  ready: boolean;
}

/**
 * The vitest timeout of a test that waits for pods: longer than a few of the waits below (240 s each), so that a slow
 * start on a loaded machine ends in a wait's own message (with the pods' and the stack's state), not vitest's bare one.
 */
export const POD_TEST_TIMEOUT_MS = 10 * 60_000;

/** Polls `probe` once a second until it returns a value, or fails after `seconds` saying what it waited for and what it saw last. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, seconds = 240,
  describeLast: () => string = () => ''): Promise<T> {
  for (let i = 0; i < seconds; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`gave up waiting for ${what} after ${seconds} polls${describeLast() ? `; last seen: ${describeLast()}` : ''}`);
}

/** Every object of a kind in a namespace (one LIST of up to 500). */
export async function listOf(cluster: Cluster, resource: string, namespace?: string, labelSelector?: string): Promise<KubeObject[]> {
  const discovery = await cluster.discover();
  const api = discovery.resources.find((r) => r.resource === resource && (r.group === '' ? r.version === 'v1' : true));
  if (!api) throw new Error(`the cluster does not serve ${resource}`);
  return (await cluster.listPage(api, { ...(namespace ? { namespace } : {}), ...(labelSelector ? { labelSelector } : {}), limit: 500 })).items;
}

/** The pods of a namespace as PodViews, by name. */
export async function podsOf(cluster: Cluster, namespace: string): Promise<Map<string, PodView>> {
  const pods = await listOf(cluster, 'pods', namespace);
  return new Map(pods.map((p) => [p.metadata.name!, viewOfPod(p)]));
}

/** A PodView of a Pod object. */
export function viewOfPod(pod: KubeObject): PodView {
  const spec = pod.spec as { nodeName?: string; containers: { image: string }[]; volumes?: PodView['volumes'] };
  const status = (pod.status ?? {}) as { phase?: string; podIP?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
  return {
    name: pod.metadata.name!,
    phase: status.phase ?? 'Unknown',
    ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
    ...(status.podIP ? { podIP: status.podIP } : {}),
    images: spec.containers.map((c) => c.image),
    owners: ((pod.metadata.ownerReferences ?? []) as { kind: string; name: string }[]).map((o) => `${o.kind}/${o.name}`),
    ownerUids: ((pod.metadata.ownerReferences ?? []) as { uid: string }[]).map((o) => o.uid),
    volumes: spec.volumes ?? [],
    ...(scheduled?.status === 'False' ? { unschedulable: `${scheduled.reason ?? ''}: ${scheduled.message ?? ''}` } : {}),
    ready: status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
  };
}

/**
 * Waits until the named pods of a namespace are Running and Ready (and owned by `ownerUid` when given: pods of an
 * object deleted and made again under the same name may still be running); returns their views.
 */
export async function waitForRunning(cluster: Cluster, namespace: string, names: string[], seconds = 240,
  ownerUid?: string): Promise<Map<string, PodView>> {
  let last = new Map<string, PodView>();
  const settled = (p: PodView | undefined) => p?.phase === 'Running' && p.ready && (!ownerUid || p.ownerUids.includes(ownerUid));
  return waitFor(`pods ${names.join(', ')} Running in ${namespace}`, async () => {
    last = await podsOf(cluster, namespace);
    return names.every((n) => settled(last.get(n))) ? last : undefined;
  }, seconds, () => describePods(last));
}

/**
 * Waits until the scheduler's verdict on a pod names node affinity, and returns the pod.
 * NOTE: its first verdict may be about a claim the provisioner binds a moment later; the scheduler tries again.
 */
export async function waitForAffinityVerdict(cluster: Cluster, namespace: string, pod: string): Promise<PodView> {
  let last = new Map<string, PodView>();
  return waitFor(`the scheduler's verdict on ${namespace}/${pod} naming node affinity`, async () => {
    last = await podsOf(cluster, namespace);
    const view = last.get(pod);
    return view?.unschedulable?.includes('affinity') ? view : undefined;
  }, 120, () => describePods(last));
}

/** `name phase node` for each pod, for failure messages. */
export function describePods(pods: Map<string, PodView>): string {
  return [...pods.values()].map((p) => `${p.name} ${p.phase} ${p.nodeName ?? '(unscheduled)'}${p.unschedulable ? ` ${p.unschedulable}` : ''}`).join('; ') || '(no pods)';
}

/** The folder on this machine that holds a bound claim's volume (the stack's provisioner makes hostPath volumes). */
export async function volumeFolderOf(cluster: Cluster, namespace: string, claim: string): Promise<string> {
  const pvc = await waitFor(`claim ${namespace}/${claim} Bound`, async () => {
    const c = await cluster.read('v1', 'PersistentVolumeClaim', claim, namespace);
    return (c?.status as { phase?: string } | undefined)?.phase === 'Bound' ? c : undefined;
  }, 120);
  const volumeName = (pvc!.spec as { volumeName: string }).volumeName;
  const pv = await cluster.read('v1', 'PersistentVolume', volumeName);
  const path = (pv?.spec as { hostPath?: { path: string } } | undefined)?.hostPath?.path;
  if (!path) throw new Error(`volume ${volumeName} of claim ${namespace}/${claim} is not a hostPath volume`);
  return path;
}

/** The body of http://<pod IP><path>, fetched from this machine (pods are on the plane's bridge). */
export async function fetchFromPod(podIP: string, path: string): Promise<{ status: number; body: string }> {
  // A pod reported Running may not listen yet (its container just started): connection errors are retried a while.
  let lastError = '';
  return waitFor(`an answer from ${podIP}${path}`, async () => {
    try {
      const response = await fetch(`http://${podIP}${path}`, { signal: AbortSignal.timeout(10_000) });
      return { status: response.status, body: await response.text() };
    } catch (err) {
      lastError = `${(err as Error).message}${(err as Error).cause ? `: ${String((err as Error).cause)}` : ''}`;
      return undefined;
    }
  }, 30, () => lastError);
}

/**
 * Waits until the target's controllers have put into a namespace what they put into every one: the `default`
 * ServiceAccount and the `kube-root-ca.crt` ConfigMap. A test that counts what a backup of the namespace holds waits
 * for them first, so that the count does not depend on how fast the controllers were.
 */
export async function waitForNamespaceDefaults(cluster: Cluster, namespace: string): Promise<void> {
  await waitFor(`the default ServiceAccount and kube-root-ca.crt in ${namespace}`, async () => {
    const [account, ca] = await Promise.all([
      cluster.read('v1', 'ServiceAccount', 'default', namespace), cluster.read('v1', 'ConfigMap', 'kube-root-ca.crt', namespace)]);
    return account && ca ? true : undefined;
  }, 60);
}

/** Deletes namespaces and waits until the namespace controller has emptied and removed them. */
export async function deleteNamespaces(cluster: Cluster, names: string[], seconds = 180): Promise<void> {
  await Promise.all(names.map((n) => cluster.delete('v1', 'Namespace', n)));
  await waitFor(`namespaces ${names.join(', ')} gone`, async () => {
    const left = await Promise.all(names.map((n) => cluster.read('v1', 'Namespace', n)));
    return left.every((n) => n === undefined) ? true : undefined;
  }, seconds);
}
