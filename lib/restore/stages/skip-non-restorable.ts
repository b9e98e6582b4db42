import { NON_RESTORABLE_RESOURCES } from '../../spec/restore-spec.js';
import { asString } from '../json-access.js';
import { apiServerObjectReason } from './api-server-objects.js';
import type { Stage, StageResult, TransformItem } from '../types.js';

/** Resources Ferry never restores beyond Velero's list, with the reason. */
const FERRY_NEVER_RESTORES: Readonly<Record<string, string>> = {
  componentstatuses: 'component statuses are reported by the cluster, not stored',
  bindings: 'bindings are requests to schedule pods, not objects',
  'tokenreviews.authentication.k8s.io': 'token reviews are requests, not objects',
  'selfsubjectaccessreviews.authorization.k8s.io': 'access reviews are requests, not objects',
  'subjectaccessreviews.authorization.k8s.io': 'access reviews are requests, not objects',
};

/** The annotation the kubelet puts on the mirror pods of its static pods. */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** The ConfigMap holding the cluster's CA that kube-controller-manager publishes into every namespace. */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

/** Why an item is never restored, or undefined when it may be. */
export function neverRestoredReason(item: TransformItem): string | undefined {
  if (NON_RESTORABLE_RESOURCES.includes(item.groupResource)) return `${item.groupResource} are never restored`;
  const ours = FERRY_NEVER_RESTORES[item.groupResource];
  if (ours) return ours;
  const apiServers = apiServerObjectReason(item);
  if (apiServers) return apiServers;
  // NOTE: the target's token controller mints its own service-account tokens; a copied one would be rejected.
  if (item.groupResource === 'secrets' && asString(item.object.type) === 'kubernetes.io/service-account-token') {
    return 'service-account token secrets are created by the target cluster';
  }
  // NOTE: kube-controller-manager's root-CA publisher writes this ConfigMap into every namespace; a copy would
  // carry the source's CA, and pods of the target would then distrust their own API server.
  if (item.groupResource === 'configmaps' && item.object.metadata.name === ROOT_CA_CONFIGMAP) {
    return 'the target\'s root-CA publisher writes its own kube-root-ca.crt into every namespace';
  }
  // NOTE: a mirror pod is the API server's copy of a static pod, which a node's kubelet runs from its own manifest
  // folder; the API server refuses to create one for a node that does not run it.
  if (item.groupResource === 'pods' && item.object.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) {
    return 'a mirror pod is the kubelet\'s copy of a static pod from its node\'s manifest folder; put the manifest on a target node instead';
  }
  // NOTE: with its owner reference gone, a copied controller-managed slice would keep routing to the source's pod IPs.
  if (item.groupResource === 'endpointslices.discovery.k8s.io'
    && item.object.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === 'endpointslice-controller.k8s.io') {
    return 'endpoint slices of Services are created by the target\'s endpoint-slice controller';
  }
  return undefined;
}

/**
 * Skips nodes, events, Velero's own objects, request kinds, the API server's own objects, service-account token
 * secrets, managed endpoint slices, mirror pods and the published root CA.
 */
export function skipNonRestorable(item: TransformItem): StageResult {
  const reason = neverRestoredReason(item);
  return reason ? { skip: reason } : { item };
}

/** Stage 2: objects that are never restored. */
export const skipNonRestorableStage: Stage = { name: 'skip-non-restorable', run: (item) => skipNonRestorable(item) };
