import { copyJson } from '../json-access.js';
import { splitApiVersion, type KubeObject } from '../../model/object.js';
import { compareVersions, preferredVersionOf, servesKind, type ServedVersions } from './served-versions.js';
import type { Conversion, ConversionOutcome } from './conversion-types.js';
import { hpaV2beta1ToV2 } from './convert-autoscaling.js';
import { crdV1beta1ToV1 } from './convert-crd.js';
import { webhookConfigurationV1beta1ToV1 } from './convert-admission.js';
import {
  csrV1beta1ToV1, endpointSliceV1beta1ToV1, pdbV1beta1ToV1, priorityLevelRenameShares, priorityLevelV1beta3ToV1,
} from './convert-misc.js';
import { ingressV1beta1ToV1 } from './convert-networking.js';
import { appsV1beta1ToV1, appsV1beta2ToV1, extensionsJobToBatchV1, extensionsWorkloadToAppsV1 } from './convert-workloads.js';

const RBAC = ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'];
const FLOW = ['FlowSchema', 'PriorityLevelConfiguration'];

/** Every conversion Ferry knows: the removals of the Kubernetes deprecation guide, one edge per step. */
export const CONVERSIONS: readonly Conversion[] = [
  { from: 'extensions/v1beta1', to: 'apps/v1', kinds: ['Deployment', 'DaemonSet', 'ReplicaSet'], convert: extensionsWorkloadToAppsV1 },
  { from: 'extensions/v1beta1', to: 'batch/v1', kinds: ['Job'], convert: extensionsJobToBatchV1 },
  { from: 'batch/v2alpha1', to: 'batch/v1', kinds: ['CronJob'] },
  { from: 'apps/v1beta1', to: 'apps/v1', kinds: ['Deployment', 'StatefulSet'], convert: appsV1beta1ToV1 },
  { from: 'apps/v1beta1', to: 'apps/v1', kinds: ['ControllerRevision'] },
  { from: 'apps/v1beta2', to: 'apps/v1', kinds: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ControllerRevision'], convert: appsV1beta2ToV1 },
  { from: 'extensions/v1beta1', to: 'networking.k8s.io/v1', kinds: ['NetworkPolicy'] },
  { from: 'extensions/v1beta1', to: 'policy/v1beta1', kinds: ['PodSecurityPolicy'] },
  { from: 'extensions/v1beta1', to: 'networking.k8s.io/v1beta1', kinds: ['Ingress'] },
  { from: 'networking.k8s.io/v1beta1', to: 'networking.k8s.io/v1', kinds: ['Ingress'], convert: ingressV1beta1ToV1 },
  { from: 'networking.k8s.io/v1beta1', to: 'networking.k8s.io/v1', kinds: ['IngressClass'] },
  { from: 'policy/v1beta1', to: 'policy/v1', kinds: ['PodDisruptionBudget'], convert: pdbV1beta1ToV1 },
  { from: 'batch/v1beta1', to: 'batch/v1', kinds: ['CronJob'] },
  { from: 'autoscaling/v2beta1', to: 'autoscaling/v2beta2', kinds: ['HorizontalPodAutoscaler'], convert: hpaV2beta1ToV2 },
  { from: 'autoscaling/v2beta1', to: 'autoscaling/v2', kinds: ['HorizontalPodAutoscaler'], convert: hpaV2beta1ToV2 },
  { from: 'autoscaling/v2beta2', to: 'autoscaling/v2', kinds: ['HorizontalPodAutoscaler'] },
  { from: 'apiextensions.k8s.io/v1beta1', to: 'apiextensions.k8s.io/v1', kinds: ['CustomResourceDefinition'], convert: crdV1beta1ToV1 },
  {
    from: 'admissionregistration.k8s.io/v1beta1', to: 'admissionregistration.k8s.io/v1',
    kinds: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], convert: webhookConfigurationV1beta1ToV1,
  },
  { from: 'apiregistration.k8s.io/v1beta1', to: 'apiregistration.k8s.io/v1', kinds: ['APIService'] },
  { from: 'certificates.k8s.io/v1beta1', to: 'certificates.k8s.io/v1', kinds: ['CertificateSigningRequest'], convert: csrV1beta1ToV1 },
  { from: 'coordination.k8s.io/v1beta1', to: 'coordination.k8s.io/v1', kinds: ['Lease'] },
  { from: 'rbac.authorization.k8s.io/v1beta1', to: 'rbac.authorization.k8s.io/v1', kinds: RBAC },
  { from: 'scheduling.k8s.io/v1beta1', to: 'scheduling.k8s.io/v1', kinds: ['PriorityClass'] },
  {
    from: 'storage.k8s.io/v1beta1', to: 'storage.k8s.io/v1',
    kinds: ['StorageClass', 'VolumeAttachment', 'CSIDriver', 'CSINode', 'CSIStorageCapacity'],
  },
  { from: 'discovery.k8s.io/v1beta1', to: 'discovery.k8s.io/v1', kinds: ['EndpointSlice'], convert: endpointSliceV1beta1ToV1 },
  { from: 'node.k8s.io/v1beta1', to: 'node.k8s.io/v1', kinds: ['RuntimeClass'] },
  { from: 'flowcontrol.apiserver.k8s.io/v1beta1', to: 'flowcontrol.apiserver.k8s.io/v1beta2', kinds: FLOW },
  { from: 'flowcontrol.apiserver.k8s.io/v1beta2', to: 'flowcontrol.apiserver.k8s.io/v1beta3', kinds: ['FlowSchema'] },
  { from: 'flowcontrol.apiserver.k8s.io/v1beta2', to: 'flowcontrol.apiserver.k8s.io/v1beta3', kinds: ['PriorityLevelConfiguration'], convert: priorityLevelRenameShares },
  { from: 'flowcontrol.apiserver.k8s.io/v1beta3', to: 'flowcontrol.apiserver.k8s.io/v1', kinds: ['FlowSchema'] },
  { from: 'flowcontrol.apiserver.k8s.io/v1beta3', to: 'flowcontrol.apiserver.k8s.io/v1', kinds: ['PriorityLevelConfiguration'], convert: priorityLevelV1beta3ToV1 },
];

/** Kinds that Kubernetes removed with no replacement: skipped, with a warning, where the target lacks them. */
export const REMOVED_KINDS: Readonly<Record<string, string>> = {
  PodSecurityPolicy: 'PodSecurityPolicy was removed in Kubernetes 1.25 (use Pod Security Admission)',
  InitializerConfiguration: 'InitializerConfiguration was removed in Kubernetes 1.14 (initializers gave way to admission webhooks)',
  PodPreset: 'PodPreset was removed in Kubernetes 1.20',
  ThirdPartyResource: 'ThirdPartyResource was removed in Kubernetes 1.8 (use CustomResourceDefinition)',
};

/**
 * The chain of conversions from `apiVersion` to the best version the target serves for `kind`: the target's
 * preferred version of the destination group when reachable, else the highest version, else the shortest
 * chain. Undefined when no served version can be reached.
 */
export function findConversionPath(apiVersion: string, kind: string, served: ServedVersions,
  conversions: readonly Conversion[] = CONVERSIONS): Conversion[] | undefined {
  const paths = new Map<string, Conversion[]>([[apiVersion, []]]);
  const queue = [apiVersion];
  while (queue.length > 0) {
    const at = queue.shift()!;
    for (const edge of conversions) {
      if (edge.from !== at || !edge.kinds.includes(kind) || paths.has(edge.to)) continue;
      paths.set(edge.to, [...paths.get(at)!, edge]);
      queue.push(edge.to);
    }
  }
  const candidates = [...paths.keys()].filter((v) => v !== apiVersion && servesKind(served, v, kind) === true);
  if (candidates.length === 0) return undefined;
  const rank = (v: string): [number, string] => {
    const { group, version } = splitApiVersion(v);
    return [preferredVersionOf(served, group) === version ? 0 : 1, version];
  };
  candidates.sort((a, b) => {
    const [pa, va] = rank(a);
    const [pb, vb] = rank(b);
    return pa - pb || compareVersions(va, vb) || paths.get(a)!.length - paths.get(b)!.length;
  });
  return paths.get(candidates[0]!);
}

/** Runs a chain of conversions on a copy of `object`; the input is never changed. */
export function applyConversions(object: KubeObject, path: readonly Conversion[]): ConversionOutcome {
  let current = object;
  const warnings: string[] = [];
  const errors: string[] = [];
  for (const step of path) {
    const copy = copyJson(current);
    copy.apiVersion = step.to;
    const result = step.convert?.(copy) ?? {};
    warnings.push(...(result.warnings ?? []));
    errors.push(...(result.errors ?? []));
    current = copy;
  }
  return { object: current, warnings, errors };
}
