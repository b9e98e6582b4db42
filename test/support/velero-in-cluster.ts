// Velero v1.18.1 running inside a plane of the stack, its node-agent included, for file-system backups and restores of
// pod volumes: since 1.17 the node-agent runs each PodVolumeBackup/Restore in a pod of the velero image that mounts the
// volume's folder under the kubelet's pods dir, so Velero's server, node-agent and data-mover pods all run as pods here.
// What the stack lacks for that, this file adds:
// - images: Velero's and its AWS plugin's, built on this machine (scripts/stack/build.sh velero-image) and imported
//   into the plane's containerd under the names `velero install` uses (nothing can be pulled here);
// - the node-agent's host folders: its DaemonSet mounts /var/lib/kubelet/{pods,plugins}; the stack's kubelet keeps
//   them under .stack/nodes/<plane>/kubelet/, so the hostPaths are patched (Velero also reads them to map a volume's
//   folder to the host path its data-mover pod mounts);
// - a route from pods to the API server and the bucket, which listen on the machine's loopback: the stack has no
//   kube-proxy, so pods' packets to the `kubernetes` Service (10.96.0.1:443, in the apiserver's certificate) and to
//   the bucket's port on the pod bridge's address are DNAT'ed to 127.0.0.1 (route_localnet on that bridge only).
//   The same bucket address works from this machine (an OUTPUT rule), so Velero's location has one s3Url for all.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Cluster } from '../../lib/kube/cluster.js';
import type { KubeObject } from '../../lib/model/object.js';
import { formatLabelSelector, type LabelSelector } from '../../lib/spec/label-selector.js';
import { stackCluster, stackDir, stackEnv } from './stack.js';
import { velero, type VeleroBinaries, type VeleroSetup } from './velero.js';
import { listOf, waitFor } from './workloads.js';

const root = resolve(import.meta.dirname, '../..');
/** The comment on every iptables rule this file adds, so that they can be found and removed. */
const RULE_COMMENT = 'ferry-velero-in-cluster';

/** Velero's repository password when its `velero-repo-credentials` Secret was made by `velero install`. */
export const VELERO_DEFAULT_REPOSITORY_PASSWORD = 'static-passw0rd';

/** The plane's pod bridge and its address (node.sh: bridge ferryN, 10.244.N.0/24, the node at .1). */
export function podBridge(plane: 'source' | 'target'): { bridge: string; address: string } {
  const n = readFileSync(join(stackDir(), `${plane}.subnet`), 'utf8').trim();
  return { bridge: `ferry${n}`, address: `10.244.${n}.1` };
}

/** The plane's API server port and the bucket's, as the stack started them. */
function ports(plane: 'source' | 'target'): { api: string; s3: string } {
  return { api: readFileSync(join(stackDir(), `${plane}.port`), 'utf8').trim(), s3: readFileSync(join(stackDir(), 'versitygw.port'), 'utf8').trim() };
}

/** The DNAT rules (iptables arguments after `-t nat -A|-D`) that let the plane's pods reach the API server and the bucket. */
function rules(plane: 'source' | 'target'): string[][] {
  const { bridge, address } = podBridge(plane);
  const { api, s3 } = ports(plane);
  const dnat = (to: string) => ['-m', 'comment', '--comment', RULE_COMMENT, '-j', 'DNAT', '--to-destination', `127.0.0.1:${to}`];
  return [
    ['PREROUTING', '-i', bridge, '-d', '10.96.0.1', '-p', 'tcp', '--dport', '443', ...dnat(api)],
    ['PREROUTING', '-i', bridge, '-d', address, '-p', 'tcp', '--dport', s3, ...dnat(s3)],
    ['OUTPUT', '-d', address, '-p', 'tcp', '--dport', s3, ...dnat(s3)],
  ];
}

/** Adds the plane's routes (once); returns a function that removes them. Needs root, as the stack's nodes do. */
export function routePodsToLoopback(plane: 'source' | 'target'): () => void {
  const { bridge } = podBridge(plane);
  execFileSync('sysctl', ['-qw', `net.ipv4.conf.${bridge}.route_localnet=1`]);
  for (const rule of rules(plane)) {
    try {
      execFileSync('iptables', ['-t', 'nat', '-C', ...rule], { stdio: 'ignore' });
    } catch {
      execFileSync('iptables', ['-t', 'nat', '-A', ...rule]);
    }
  }
  return () => {
    for (const rule of rules(plane)) {
      try {
        execFileSync('iptables', ['-t', 'nat', '-D', ...rule], { stdio: 'ignore' });
      } catch {
        // already gone (a stack restarted in between)
      }
    }
  };
}

/** Builds Velero's and its AWS plugin's images (cached) and imports them into the plane's containerd. */
export function importVeleroImages(plane: 'source' | 'target'): void {
  const out = execFileSync('nice', ['-n', '10', 'bash', join(root, 'scripts/stack/build.sh'), 'velero-image'], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 90 * 60 * 1000,
  });
  const socket = join(stackDir(), 'nodes', plane, 'containerd.sock');
  for (const line of out.trim().split('\n')) {
    execFileSync('ctr', ['--address', socket, '-n', 'k8s.io', 'images', 'import', line.split(' ')[0]!], { stdio: 'ignore' });
  }
}

/**
 * `velero install --use-node-agent` into `namespace` of the plane, its location over the stack's bucket at `prefix`
 * (reached at the pod bridge's address), adapted to the stack as said above; resolves once the server and the
 * node-agent run and the location is Available.
 */
export async function installVeleroInCluster(binaries: VeleroBinaries, plane: 'source' | 'target', namespace: string, prefix: string,
  credentialsFile: string): Promise<VeleroSetup> {
  const env = stackEnv();
  const setup: VeleroSetup = { binaries, plane, namespace, prefix, credentialsFile };
  const s3Url = `http://${podBridge(plane).address}:${ports(plane).s3}`;
  await velero(setup, ['install', '--provider', 'aws', '--plugins', 'velero/velero-plugin-for-aws:v1.14.3', '--bucket', env.FERRY_S3_BUCKET!,
    '--prefix', prefix, '--secret-file', credentialsFile, '--use-volume-snapshots=false', '--use-node-agent',
    '--backup-location-config', `region=${env.FERRY_S3_REGION ?? 'us-east-1'},s3ForcePathStyle=true,s3Url=${s3Url},checksumAlgorithm=`]);
  const cluster = stackCluster(plane);
  const kubelet = join(stackDir(), 'nodes', plane, 'kubelet');
  const agent = (await cluster.read('apps/v1', 'DaemonSet', 'node-agent', namespace))!;
  const volumes = ((agent.spec as { template: { spec: { volumes: { name: string }[] } } }).template.spec.volumes);
  const hostPathOf = (name: string) => `/spec/template/spec/volumes/${volumes.findIndex((v) => v.name === name)}/hostPath/path`;
  await cluster.patch(agent, [
    { op: 'replace', path: hostPathOf('host-pods'), value: join(kubelet, 'pods') },
    { op: 'replace', path: hostPathOf('host-plugins'), value: join(kubelet, 'plugins') },
  ], 'json');
  const server = (await cluster.read('apps/v1', 'Deployment', 'velero', namespace))!;
  await cluster.patch(server, [
    // NOTE: versitygw refuses the AWS SDK's default checksums; the plugin runs in the server's pod with its environment.
    { op: 'add', path: '/spec/template/spec/containers/0/env/-', value: { name: 'AWS_REQUEST_CHECKSUM_CALCULATION', value: 'when_required' } },
    { op: 'add', path: '/spec/template/spec/containers/0/env/-', value: { name: 'AWS_RESPONSE_CHECKSUM_VALIDATION', value: 'when_required' } },
  ], 'json');
  await waitForVelero(cluster, namespace);
  return setup;
}

/**
 * Waits for the server's and the node-agent's pods (their latest templates) to run and the default location to be
 * Available, with no pod of an earlier template left.
 * NOTE: the patches above roll both out again, and the Deployment's counts leave out a terminating pod, which still
 * runs Velero's controllers until the kubelet stops it: a restore created then was processed by both servers at once,
 * one creating the namespace's objects and the other reporting them "already exist" (so never filling the volume).
 */
async function waitForVelero(cluster: Cluster, namespace: string): Promise<void> {
  const only = async (owner: KubeObject | undefined) => {
    const pods = await listOf(cluster, 'pods', namespace, formatLabelSelector((owner?.spec as { selector: LabelSelector }).selector));
    return pods.length === 1 && !pods[0]!.metadata.deletionTimestamp;
  };
  await waitFor(`Velero in ${namespace} Available`, async () => {
    const [deployment, agent, location] = await Promise.all([
      cluster.read('apps/v1', 'Deployment', 'velero', namespace), cluster.read('apps/v1', 'DaemonSet', 'node-agent', namespace),
      cluster.read('velero.io/v1', 'BackupStorageLocation', 'default', namespace)]);
    const d = deployment?.status as { updatedReplicas?: number; availableReplicas?: number; replicas?: number } | undefined;
    const a = agent?.status as { numberAvailable?: number; updatedNumberScheduled?: number } | undefined;
    const ready = d?.updatedReplicas === 1 && d.availableReplicas === 1 && d.replicas === 1 && a?.numberAvailable === 1 && a.updatedNumberScheduled === 1;
    if (!ready || (location?.status as { phase?: string } | undefined)?.phase !== 'Available') return undefined;
    return (await only(deployment)) && (await only(agent)) ? true : undefined;
  }, 300);
}

/**
 * Deletes a Velero install's namespace. Its Restores carry a finalizer that only its server removes (and puts back
 * while it runs), and the server goes with the namespace: once the deletion started, the finalizers left are dropped.
 */
export async function uninstallVelero(cluster: Cluster, namespace: string): Promise<void> {
  await cluster.discover({ refresh: true });
  await cluster.delete('v1', 'Namespace', namespace);
  await waitFor(`namespace ${namespace} gone`, async () => {
    for (const restore of await listOf(cluster, 'restores', namespace).catch(() => [])) {
      if (restore.apiVersion === 'velero.io/v1' && Array.isArray(restore.metadata.finalizers) && restore.metadata.finalizers.length > 0) {
        await cluster.patch(restore, { metadata: { finalizers: null } }, 'merge').catch(() => undefined);
      }
    }
    return (await cluster.read('v1', 'Namespace', namespace)) ? undefined : true;
  }, 180);
}
