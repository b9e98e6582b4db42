import { type KubeObject } from '../../model/object.js';
import { asRecord, asString, recordAt, recordsOf, copyJson } from '../json-access.js';
import { podAffinityTermsOf, podSpecOf } from '../pod-templates.js';
import type { Stage, StageResult, TransformContext, TransformItem } from '../types.js';
import { withObject } from '../types.js';

/** The label the API server sets on every Namespace to its own name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

type MapNs = (ns: string) => string;

/**
 * namespaceMapping: moves namespaced objects, renames Namespace objects, and rewrites the references to
 * namespaces inside objects: (Cluster)RoleBinding subjects, PersistentVolume claimRef, VolumeSnapshotContent
 * volumeSnapshotRef, pod (anti-)affinity namespaces, NetworkPolicy namespace selectors by name, and the
 * Service references of webhooks, APIServices and CRD conversion webhooks.
 */
export function mapNamespaces(item: TransformItem, context: TransformContext): StageResult {
  const mapping = context.spec.namespaceMapping;
  if (Object.keys(mapping).length === 0) return { item };
  const map: MapNs = (ns) => mapping[ns] ?? ns;
  const object = copyJson(item.object);
  if (item.backupNamespace !== '') object.metadata.namespace = map(item.backupNamespace);
  if (item.groupResource === 'namespaces' && object.metadata.name) {
    object.metadata.name = map(object.metadata.name);
    if (object.metadata.labels?.[NAMESPACE_NAME_LABEL] !== undefined) object.metadata.labels[NAMESPACE_NAME_LABEL] = object.metadata.name;
  }
  mapReferences(object, map);
  return { item: withObject(item, object) };
}

function mapReferences(object: KubeObject, map: MapNs): void {
  const setNs = (holder: Record<string, unknown> | undefined): void => {
    const ns = asString(holder?.namespace);
    if (holder && ns) holder.namespace = map(ns);
  };
  switch (object.kind) {
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      recordsOf(object.subjects).forEach(setNs);
      return;
    case 'PersistentVolume':
      setNs(recordAt(object, 'spec', 'claimRef'));
      return;
    case 'VolumeSnapshotContent':
      setNs(recordAt(object, 'spec', 'volumeSnapshotRef'));
      return;
    case 'MutatingWebhookConfiguration':
    case 'ValidatingWebhookConfiguration':
      recordsOf(object.webhooks).forEach((hook) => setNs(recordAt(hook, 'clientConfig', 'service')));
      return;
    case 'APIService':
      setNs(recordAt(object, 'spec', 'service'));
      return;
    case 'CustomResourceDefinition':
      setNs(recordAt(object, 'spec', 'conversion', 'webhook', 'clientConfig', 'service'));
      return;
    case 'NetworkPolicy':
      mapNetworkPolicy(object, map);
      return;
  }
  const podSpec = podSpecOf(object);
  if (podSpec) {
    for (const term of podAffinityTermsOf(podSpec)) {
      if (Array.isArray(term.namespaces)) term.namespaces = term.namespaces.map((ns) => (typeof ns === 'string' ? map(ns) : ns));
    }
  }
}

/** NOTE: a namespaceSelector on kubernetes.io/metadata.name is a reference by name, so it follows the mapping. */
function mapNetworkPolicy(object: KubeObject, map: MapNs): void {
  const spec = asRecord(object.spec);
  const peers = [
    ...recordsOf(spec?.ingress).flatMap((rule) => recordsOf(rule.from)),
    ...recordsOf(spec?.egress).flatMap((rule) => recordsOf(rule.to)),
  ];
  for (const peer of peers) {
    const selector = asRecord(peer.namespaceSelector);
    const labels = asRecord(selector?.matchLabels);
    const name = asString(labels?.[NAMESPACE_NAME_LABEL]);
    if (labels && name) labels[NAMESPACE_NAME_LABEL] = map(name);
    for (const expr of recordsOf(selector?.matchExpressions)) {
      if (expr.key === NAMESPACE_NAME_LABEL && Array.isArray(expr.values)) {
        expr.values = expr.values.map((v) => (typeof v === 'string' ? map(v) : v));
      }
    }
  }
}

/** Stage 5: namespaceMapping. */
export const namespaceMappingStage: Stage = { name: 'namespace-mapping', run: mapNamespaces };
