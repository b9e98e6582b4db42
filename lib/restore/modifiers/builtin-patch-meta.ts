import { builtInResource } from '../../model/resources.js';
import { patchMetaTable, type FieldSpec, type PatchMeta, type TaggedField } from './patch-meta.js';

// Patch strategies and merge keys of the Kubernetes API types (the patchStrategy / patchMergeKey tags of
// k8s.io/api, 1.35). Only fields with a tag, and the fields that lead to them, are listed: every other map
// merges and every other list is replaced, which is what an untagged field does. A restore uses the target's own
// (its OpenAPI v3, openapi-patch-meta.ts); this table is the default offline (`ferry transform`), and
// test/integration/patch-meta.test.ts checks that it agrees with a 1.35 API server's, field for field.
const merge = (mergeKey?: string, type?: string): FieldSpec => ({ strategy: 'merge', mergeKey, type });
const of = (type: string): FieldSpec => ({ type });
const conditions = { conditions: merge('type') };
const workload = (spec: string): Record<string, FieldSpec> => ({ metadata: of('ObjectMeta'), spec: of(spec), status: of('WorkloadStatus') });

const TYPES: Record<string, Record<string, FieldSpec>> = {
  ObjectMeta: { finalizers: merge(), ownerReferences: merge('uid') },
  WorkloadStatus: conditions,
  PodTemplateSpec: { metadata: of('ObjectMeta'), spec: of('PodSpec') },
  PodSpec: {
    // volumes and resourceClaims are "merge,retainKeys": retainKeys only matters when a patch is computed.
    volumes: merge('name', 'Volume'),
    initContainers: merge('name', 'Container'),
    containers: merge('name', 'Container'),
    ephemeralContainers: merge('name', 'Container'),
    imagePullSecrets: merge('name'),
    hostAliases: merge('ip'),
    topologySpreadConstraints: merge('topologyKey'),
    schedulingGates: merge('name'),
    resourceClaims: merge('name'),
  },
  Container: { ports: merge('containerPort'), env: merge('name'), volumeMounts: merge('mountPath'), volumeDevices: merge('devicePath') },
  Volume: { ephemeral: of('EphemeralVolumeSource') },
  EphemeralVolumeSource: { volumeClaimTemplate: of('PersistentVolumeClaimTemplate') },
  PersistentVolumeClaimTemplate: { metadata: of('ObjectMeta') },
  PodStatus: {
    conditions: merge('type'), podIPs: merge('ip'), hostIPs: merge('ip'), resourceClaimStatuses: merge('name'),
    containerStatuses: of('ContainerStatus'), initContainerStatuses: of('ContainerStatus'), ephemeralContainerStatuses: of('ContainerStatus'),
  },
  ContainerStatus: { allocatedResourcesStatus: merge('name'), volumeMounts: merge('mountPath') },
  Pod: { metadata: of('ObjectMeta'), spec: of('PodSpec'), status: of('PodStatus') },
  PodTemplate: { metadata: of('ObjectMeta'), template: of('PodTemplateSpec') },
  TemplateSpec: { template: of('PodTemplateSpec') },
  ReplicationController: workload('TemplateSpec'),
  Deployment: workload('TemplateSpec'),
  StatefulSet: workload('StatefulSetSpec'),
  StatefulSetSpec: { template: of('PodTemplateSpec'), volumeClaimTemplates: of('WithConditions') },
  DaemonSet: workload('TemplateSpec'),
  ReplicaSet: workload('TemplateSpec'),
  Job: workload('TemplateSpec'),
  CronJob: { metadata: of('ObjectMeta'), spec: of('CronJobSpec') },
  CronJobSpec: { jobTemplate: of('JobTemplateSpec') },
  JobTemplateSpec: { metadata: of('ObjectMeta'), spec: of('TemplateSpec') },
  Service: { metadata: of('ObjectMeta'), spec: of('ServiceSpec'), status: of('WorkloadStatus') },
  ServiceSpec: { ports: merge('port') },
  ServiceAccount: { metadata: of('ObjectMeta'), secrets: merge('name') },
  Node: { metadata: of('ObjectMeta'), spec: of('NodeSpec'), status: of('NodeStatus') },
  NodeSpec: { podCIDRs: merge() },
  NodeStatus: { conditions: merge('type'), addresses: merge('type') },
  MutatingWebhookConfiguration: { metadata: of('ObjectMeta'), webhooks: merge('name', 'Webhook') },
  ValidatingWebhookConfiguration: { metadata: of('ObjectMeta'), webhooks: merge('name', 'Webhook') },
  Webhook: { matchConditions: merge('name') },
  ValidatingAdmissionPolicy: { metadata: of('ObjectMeta'), spec: of('ValidatingAdmissionPolicySpec') },
  ValidatingAdmissionPolicySpec: { matchConditions: merge('name'), variables: merge('name') },
  PodDisruptionBudget: { metadata: of('ObjectMeta'), spec: of('PodDisruptionBudgetSpec'), status: of('WorkloadStatus') },
  PodDisruptionBudgetSpec: { selector: { strategy: 'replace' } },
  ComponentStatus: { metadata: of('ObjectMeta'), conditions: merge('type') },
  CSINode: { metadata: of('ObjectMeta'), spec: of('CSINodeSpec') },
  CSINodeSpec: { drivers: merge('name') },
  CustomResourceDefinition: { metadata: of('ObjectMeta'), spec: of('CustomResourceDefinitionSpec') },
  CustomResourceDefinitionSpec: { versions: of('CustomResourceDefinitionVersion') },
  CustomResourceDefinitionVersion: { schema: of('CustomResourceValidation') },
  CustomResourceValidation: { openAPIV3Schema: of('JSONSchemaProps') },
  // NOTE: the server merges x-kubernetes-validations by rule at every depth of a schema; the table, at its root.
  JSONSchemaProps: { 'x-kubernetes-validations': merge('rule') },
  WithConditions: { metadata: of('ObjectMeta'), status: of('WorkloadStatus') },
  Object: { metadata: of('ObjectMeta') },
};

// Kinds whose status conditions merge by type; any other built-in kind has only ObjectMeta's tagged fields.
const WITH_CONDITIONS = new Set(['Namespace', 'PersistentVolumeClaim', 'HorizontalPodAutoscaler', 'APIService', 'FlowSchema', 'PriorityLevelConfiguration']);

const metaOf = patchMetaTable(TYPES);

/**
 * The strategic-merge metadata of a built-in Kubernetes kind, or undefined when the group and kind are not
 * a built-in (a custom resource). Built-in means: known to Ferry's resource table, in a group that Kubernetes
 * serves itself (the core group, a group without a dot, or a `*.k8s.io` group).
 */
export function builtInPatchMeta(group: string, kind: string): PatchMeta | undefined {
  const kubernetesGroup = group === '' || !group.includes('.') || group.endsWith('.k8s.io');
  if (!kubernetesGroup || !builtInResource(group, kind)) return undefined;
  if (Object.prototype.hasOwnProperty.call(TYPES, kind) && kind !== 'ObjectMeta') return metaOf(kind);
  return metaOf(WITH_CONDITIONS.has(kind) ? 'WithConditions' : 'Object');
}

/** Every field the table tags for a built-in kind (what `ferry transform` merges by), for comparing with a server's. */
export function builtInTaggedFields(group: string, kind: string): TaggedField[] | undefined {
  if (!builtInPatchMeta(group, kind)) return undefined;
  const out: TaggedField[] = [];
  const walk = (type: string, path: string): void => {
    for (const [key, spec] of Object.entries(TYPES[type] ?? {})) {
      const at = path ? `${path}.${key}` : key;
      if (spec.strategy) out.push({ path: at, strategy: spec.strategy, ...(spec.mergeKey ? { mergeKey: spec.mergeKey } : {}) });
      if (spec.type) walk(spec.type, at);
    }
  };
  const own = Object.prototype.hasOwnProperty.call(TYPES, kind) && kind !== 'ObjectMeta';
  walk(own ? kind : WITH_CONDITIONS.has(kind) ? 'WithConditions' : 'Object', '');
  return out;
}

/** The strategic-merge metadata of ObjectMeta (finalizers as a set, ownerReferences by uid). */
export function objectMetaPatchMeta(): PatchMeta {
  return metaOf('ObjectMeta');
}
