import { builtInResource } from '../../model/resources.js';
import { patchMetaTable, type FieldSpec, type PatchMeta } from './patch-meta.js';

// Patch strategies and merge keys of the Kubernetes API types (the patchStrategy / patchMergeKey tags of
// k8s.io/api, 1.35). Only fields with a tag, and the fields that lead to them, are listed: every other map
// merges and every other list is replaced, which is what an untagged field does.
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
    volumes: merge('name'),
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
  PodStatus: { conditions: merge('type'), podIPs: merge('ip'), hostIPs: merge('ip') },
  Pod: { metadata: of('ObjectMeta'), spec: of('PodSpec'), status: of('PodStatus') },
  PodTemplate: { metadata: of('ObjectMeta'), template: of('PodTemplateSpec') },
  TemplateSpec: { template: of('PodTemplateSpec') },
  ReplicationController: workload('TemplateSpec'),
  Deployment: workload('TemplateSpec'),
  StatefulSet: workload('TemplateSpec'),
  DaemonSet: workload('TemplateSpec'),
  ReplicaSet: workload('TemplateSpec'),
  Job: workload('TemplateSpec'),
  CronJob: workload('CronJobSpec'),
  CronJobSpec: { jobTemplate: of('JobTemplateSpec') },
  JobTemplateSpec: { metadata: of('ObjectMeta'), spec: of('TemplateSpec') },
  Service: { metadata: of('ObjectMeta'), spec: of('ServiceSpec'), status: of('WorkloadStatus') },
  ServiceSpec: { ports: merge('port') },
  ServiceAccount: { metadata: of('ObjectMeta'), secrets: merge('name') },
  Node: { metadata: of('ObjectMeta'), spec: of('NodeSpec'), status: of('NodeStatus') },
  NodeSpec: { podCIDRs: merge() },
  NodeStatus: { conditions: merge('type'), addresses: merge('type') },
  MutatingWebhookConfiguration: { metadata: of('ObjectMeta'), webhooks: merge('name') },
  ValidatingWebhookConfiguration: { metadata: of('ObjectMeta'), webhooks: merge('name') },
  WithConditions: { metadata: of('ObjectMeta'), status: of('WorkloadStatus') },
  Object: { metadata: of('ObjectMeta') },
};

// Kinds whose status conditions merge by type; any other built-in kind has only ObjectMeta's tagged fields.
const WITH_CONDITIONS = new Set(['Namespace', 'PersistentVolumeClaim', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']);

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

/** The strategic-merge metadata of ObjectMeta (finalizers as a set, ownerReferences by uid). */
export function objectMetaPatchMeta(): PatchMeta {
  return metaOf('ObjectMeta');
}
