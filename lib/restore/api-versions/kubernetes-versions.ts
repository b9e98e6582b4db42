import { splitApiVersion } from '../../model/object.js';
import { compareVersions, type ServedGroup, type ServedVersions } from './served-versions.js';

/** The oldest Kubernetes minor the built-in table describes (`--target-version 1.NN`). */
export const OLDEST_KNOWN_MINOR = 16;
/** The newest Kubernetes minor the built-in table describes. */
export const NEWEST_KNOWN_MINOR = 35;

const APPS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ControllerRevision'];
const RBAC = ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'];
const WEBHOOKS = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];
const FLOW = ['FlowSchema', 'PriorityLevelConfiguration'];

/**
 * [apiVersion, kinds, first minor that serves them, first minor that no longer does]: the versions the
 * Kubernetes deprecation guide removes (1.16, 1.22, 1.25, 1.26, 1.27, 1.29, 1.32) and their replacements.
 * Groups and kinds not listed are not described by the table (the core group, for one, always serves v1).
 */
const API_HISTORY: readonly [string, readonly string[], number, number?][] = [
  ['extensions/v1beta1', ['Deployment', 'DaemonSet', 'ReplicaSet', 'NetworkPolicy', 'PodSecurityPolicy'], 0, 16],
  // Removed long before the table's oldest minor: listed so that an old manifest is known as removed, not unknown.
  ['extensions/v1beta1', ['Job', 'HorizontalPodAutoscaler', 'ThirdPartyResource'], 0, 16],
  ['admissionregistration.k8s.io/v1alpha1', ['InitializerConfiguration'], 7, 14],
  ['settings.k8s.io/v1alpha1', ['PodPreset'], 6, 20],
  ['batch/v2alpha1', ['CronJob'], 5, 21],
  ['extensions/v1beta1', ['Ingress'], 0, 22],
  ['apps/v1beta1', ['Deployment', 'StatefulSet', 'ControllerRevision'], 0, 16],
  ['apps/v1beta2', APPS, 0, 16],
  ['apps/v1', APPS, 9],
  ['networking.k8s.io/v1', ['NetworkPolicy'], 7],
  ['networking.k8s.io/v1', ['Ingress', 'IngressClass'], 19],
  ['networking.k8s.io/v1beta1', ['Ingress'], 14, 22],
  ['networking.k8s.io/v1beta1', ['IngressClass'], 18, 22],
  ['policy/v1beta1', ['PodDisruptionBudget', 'PodSecurityPolicy'], 0, 25],
  ['policy/v1', ['PodDisruptionBudget'], 21],
  ['batch/v1', ['Job'], 0],
  ['batch/v1', ['CronJob'], 21],
  ['batch/v1beta1', ['CronJob'], 8, 25],
  ['autoscaling/v1', ['HorizontalPodAutoscaler'], 0],
  ['autoscaling/v2beta1', ['HorizontalPodAutoscaler'], 8, 25],
  ['autoscaling/v2beta2', ['HorizontalPodAutoscaler'], 12, 26],
  ['autoscaling/v2', ['HorizontalPodAutoscaler'], 23],
  ['apiextensions.k8s.io/v1beta1', ['CustomResourceDefinition'], 0, 22],
  ['apiextensions.k8s.io/v1', ['CustomResourceDefinition'], 16],
  ['admissionregistration.k8s.io/v1beta1', WEBHOOKS, 0, 22],
  ['admissionregistration.k8s.io/v1', WEBHOOKS, 16],
  ['admissionregistration.k8s.io/v1', ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'], 30],
  ['apiregistration.k8s.io/v1beta1', ['APIService'], 0, 22],
  ['apiregistration.k8s.io/v1', ['APIService'], 10],
  ['certificates.k8s.io/v1beta1', ['CertificateSigningRequest'], 0, 22],
  ['certificates.k8s.io/v1', ['CertificateSigningRequest'], 19],
  ['coordination.k8s.io/v1beta1', ['Lease'], 12, 22],
  ['coordination.k8s.io/v1', ['Lease'], 14],
  ['rbac.authorization.k8s.io/v1beta1', RBAC, 0, 22],
  ['rbac.authorization.k8s.io/v1', RBAC, 8],
  ['scheduling.k8s.io/v1beta1', ['PriorityClass'], 11, 22],
  ['scheduling.k8s.io/v1', ['PriorityClass'], 14],
  ['storage.k8s.io/v1beta1', ['StorageClass', 'VolumeAttachment', 'CSIDriver', 'CSINode'], 0, 22],
  ['storage.k8s.io/v1beta1', ['CSIStorageCapacity'], 21, 27],
  ['storage.k8s.io/v1', ['StorageClass'], 6],
  ['storage.k8s.io/v1', ['VolumeAttachment'], 13],
  ['storage.k8s.io/v1', ['CSINode'], 17],
  ['storage.k8s.io/v1', ['CSIDriver'], 18],
  ['storage.k8s.io/v1', ['CSIStorageCapacity'], 24],
  ['discovery.k8s.io/v1beta1', ['EndpointSlice'], 17, 25],
  ['discovery.k8s.io/v1', ['EndpointSlice'], 21],
  ['events.k8s.io/v1beta1', ['Event'], 8, 25],
  ['events.k8s.io/v1', ['Event'], 19],
  ['node.k8s.io/v1beta1', ['RuntimeClass'], 14, 25],
  ['node.k8s.io/v1', ['RuntimeClass'], 20],
  ['flowcontrol.apiserver.k8s.io/v1beta1', FLOW, 20, 26],
  ['flowcontrol.apiserver.k8s.io/v1beta2', FLOW, 23, 29],
  ['flowcontrol.apiserver.k8s.io/v1beta3', FLOW, 26, 32],
  ['flowcontrol.apiserver.k8s.io/v1', FLOW, 29],
];

/** Thrown for a `--target-version` that is not `1.NN` within the table's range. */
export class UnknownKubernetesVersionError extends Error {
  override name = 'UnknownKubernetesVersionError';
}

/** Parses `1.25` (or `v1.25`, `1.25.3`) into its minor number; throws UnknownKubernetesVersionError. */
export function parseKubernetesMinor(version: string): number {
  const m = /^v?1\.(\d+)(\.\d+)?$/.exec(version.trim());
  const minor = m ? Number(m[1]) : NaN;
  if (!(minor >= OLDEST_KNOWN_MINOR && minor <= NEWEST_KNOWN_MINOR)) {
    throw new UnknownKubernetesVersionError(`expected a Kubernetes version 1.${OLDEST_KNOWN_MINOR} to 1.${NEWEST_KNOWN_MINOR} such as "1.25", got "${version}"`);
  }
  return minor;
}

/** What Kubernetes 1.`minor` serves of the groups in the table; each group prefers its highest served version. */
export function servedVersionsForMinor(minor: number): ServedVersions {
  const groups: Record<string, ServedGroup> = {};
  const known: Record<string, Set<string>> = {};
  for (const [apiVersion, kinds, since, removedIn] of API_HISTORY) {
    const { group, version } = splitApiVersion(apiVersion);
    for (const kind of kinds) (known[group] ??= new Set()).add(kind);
    if (minor < since || (removedIn !== undefined && minor >= removedIn)) continue;
    const g = (groups[group] ??= { preferredVersion: '', versions: {} });
    g.versions[version] = [...(g.versions[version] ?? []), ...kinds];
  }
  // A group the minor no longer serves at all is listed with no versions: its kinds are known to be gone.
  for (const group of Object.keys(known)) groups[group] ??= { preferredVersion: '', versions: {} };
  for (const [group, g] of Object.entries(groups)) {
    g.preferredVersion = Object.keys(g.versions).sort(compareVersions)[0] ?? '';
    g.knownKinds = [...known[group]!].sort();
  }
  return { source: `Kubernetes 1.${minor}`, groups };
}
