import { groupResource, splitApiVersion } from './object.js';

/** What Ferry knows of a resource without asking a server. */
export interface ResourceInfo {
  /** Plural resource name, as in the URL: `deployments`. */
  resource: string;
  group: string;
  kind: string;
  namespaced: boolean;
}

// [kind, resource, group, namespaced]: the built-in kinds of Kubernetes 1.35 and the CSI snapshot API.
const BUILT_IN: [string, string, string, boolean][] = [
  ['Pod', 'pods', '', true], ['Service', 'services', '', true], ['ConfigMap', 'configmaps', '', true],
  ['Secret', 'secrets', '', true], ['ServiceAccount', 'serviceaccounts', '', true],
  ['PersistentVolumeClaim', 'persistentvolumeclaims', '', true], ['PersistentVolume', 'persistentvolumes', '', false],
  ['Namespace', 'namespaces', '', false], ['Node', 'nodes', '', false], ['Event', 'events', '', true],
  ['Endpoints', 'endpoints', '', true], ['LimitRange', 'limitranges', '', true], ['ResourceQuota', 'resourcequotas', '', true],
  ['ReplicationController', 'replicationcontrollers', '', true], ['PodTemplate', 'podtemplates', '', true],
  ['ComponentStatus', 'componentstatuses', '', false], ['Binding', 'bindings', '', true],
  ['Deployment', 'deployments', 'apps', true], ['StatefulSet', 'statefulsets', 'apps', true],
  ['DaemonSet', 'daemonsets', 'apps', true], ['ReplicaSet', 'replicasets', 'apps', true],
  ['ControllerRevision', 'controllerrevisions', 'apps', true],
  ['Job', 'jobs', 'batch', true], ['CronJob', 'cronjobs', 'batch', true],
  ['Ingress', 'ingresses', 'networking.k8s.io', true], ['IngressClass', 'ingressclasses', 'networking.k8s.io', false],
  ['NetworkPolicy', 'networkpolicies', 'networking.k8s.io', true],
  ['Role', 'roles', 'rbac.authorization.k8s.io', true], ['RoleBinding', 'rolebindings', 'rbac.authorization.k8s.io', true],
  ['ClusterRole', 'clusterroles', 'rbac.authorization.k8s.io', false],
  ['ClusterRoleBinding', 'clusterrolebindings', 'rbac.authorization.k8s.io', false],
  ['StorageClass', 'storageclasses', 'storage.k8s.io', false], ['CSIDriver', 'csidrivers', 'storage.k8s.io', false],
  ['CSINode', 'csinodes', 'storage.k8s.io', false], ['VolumeAttachment', 'volumeattachments', 'storage.k8s.io', false],
  ['CSIStorageCapacity', 'csistoragecapacities', 'storage.k8s.io', true],
  ['VolumeAttributesClass', 'volumeattributesclasses', 'storage.k8s.io', false],
  ['PodDisruptionBudget', 'poddisruptionbudgets', 'policy', true], ['PodSecurityPolicy', 'podsecuritypolicies', 'policy', false],
  ['HorizontalPodAutoscaler', 'horizontalpodautoscalers', 'autoscaling', true],
  ['CustomResourceDefinition', 'customresourcedefinitions', 'apiextensions.k8s.io', false],
  ['APIService', 'apiservices', 'apiregistration.k8s.io', false],
  ['MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', 'admissionregistration.k8s.io', false],
  ['ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', 'admissionregistration.k8s.io', false],
  ['ValidatingAdmissionPolicy', 'validatingadmissionpolicies', 'admissionregistration.k8s.io', false],
  ['ValidatingAdmissionPolicyBinding', 'validatingadmissionpolicybindings', 'admissionregistration.k8s.io', false],
  ['PriorityClass', 'priorityclasses', 'scheduling.k8s.io', false], ['RuntimeClass', 'runtimeclasses', 'node.k8s.io', false],
  ['Lease', 'leases', 'coordination.k8s.io', true], ['EndpointSlice', 'endpointslices', 'discovery.k8s.io', true],
  ['CertificateSigningRequest', 'certificatesigningrequests', 'certificates.k8s.io', false],
  ['FlowSchema', 'flowschemas', 'flowcontrol.apiserver.k8s.io', false],
  ['PriorityLevelConfiguration', 'prioritylevelconfigurations', 'flowcontrol.apiserver.k8s.io', false],
  ['VolumeSnapshot', 'volumesnapshots', 'snapshot.storage.k8s.io', true],
  ['VolumeSnapshotContent', 'volumesnapshotcontents', 'snapshot.storage.k8s.io', false],
  ['VolumeSnapshotClass', 'volumesnapshotclasses', 'snapshot.storage.k8s.io', false],
];

const byGroupKind = new Map<string, ResourceInfo>(
  BUILT_IN.map(([kind, resource, group, namespaced]) => [`${group}/${kind}`, { kind, resource, group, namespaced }]),
);

/** The built-in resource for a group and kind, or undefined for kinds Ferry does not know offline. */
export function builtInResource(group: string, kind: string): ResourceInfo | undefined {
  // Old groups whose kinds moved keep their resource names (extensions/Ingress is still "ingresses").
  return byGroupKind.get(`${group}/${kind}`) ?? byKindAnyGroup(kind, group);
}

function byKindAnyGroup(kind: string, group: string): ResourceInfo | undefined {
  for (const info of byGroupKind.values()) if (info.kind === kind) return { ...info, group };
  return undefined;
}

/** Kubernetes' own guess of a plural (used only when neither discovery nor the table knows the kind). */
export function guessPlural(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/** A lookup from apiVersion and kind to a resource; discovery-backed at restore time, table-backed offline. */
export type ResourceResolver = (apiVersion: string, kind: string) => ResourceInfo;

/** Resolves from the built-in table, then the given extra entries (CRDs seen in the input), then a guess. */
export function offlineResolver(extra: readonly ResourceInfo[] = []): ResourceResolver {
  const extraByKey = new Map(extra.map((r) => [`${r.group}/${r.kind}`, r]));
  return (apiVersion, kind) => {
    const { group } = splitApiVersion(apiVersion);
    return extraByKey.get(`${group}/${kind}`) ?? builtInResource(group, kind)
      ?? { resource: guessPlural(kind), group, kind, namespaced: true };
  };
}

/** The groupResource word (`statefulsets.apps`) of an object's kind. */
export function groupResourceOf(resolve: ResourceResolver, apiVersion: string, kind: string): string {
  const info = resolve(apiVersion, kind);
  return groupResource(info.resource, info.group);
}
