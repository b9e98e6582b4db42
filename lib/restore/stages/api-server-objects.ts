/**
 * Objects a cluster's own API server makes and keeps: every cluster has its own, so a restore never copies the
 * source's (into another namespace they would be a stray `kubernetes` Service pointing nowhere; over the target's
 * own, with existingResourcePolicy update, they would overwrite what the target's API server keeps). Each rule
 * names the object by where it lives in the backup (before namespace mapping) and says why it is left out.
 */
import { asString } from '../json-access.js';
import type { TransformItem } from '../types.js';

const OWN_SERVICE = 'the API server\'s own Service (every cluster\'s API server makes `kubernetes` in `default`)';
const OWN_ADDRESSES = 'the source API server\'s own addresses (the target\'s API server publishes its own)';

/** One rule: which objects, and why. */
interface Rule {
  groupResource: string;
  matches: (item: TransformItem) => boolean;
  reason: string;
}

const inDefault = (name: string) => (item: TransformItem) => item.backupNamespace === 'default' && item.original.metadata.name === name;
const label = (item: TransformItem, key: string) => item.original.metadata.labels?.[key];
const annotation = (item: TransformItem, key: string) => item.original.metadata.annotations?.[key];

const RULES: readonly Rule[] = [
  { groupResource: 'services', matches: inDefault('kubernetes'), reason: OWN_SERVICE },
  { groupResource: 'endpoints', matches: inDefault('kubernetes'), reason: OWN_ADDRESSES },
  {
    groupResource: 'endpointslices.discovery.k8s.io', reason: OWN_ADDRESSES,
    matches: (item) => item.backupNamespace === 'default' && (item.original.metadata.name === 'kubernetes' || label(item, 'kubernetes.io/service-name') === 'kubernetes'),
  },
  {
    groupResource: 'configmaps', reason: 'written by the source\'s API server into kube-system (the target\'s writes its own)',
    matches: (item) => item.backupNamespace === 'kube-system'
      && ['extension-apiserver-authentication', 'kube-apiserver-legacy-service-account-token-tracking'].includes(item.original.metadata.name ?? ''),
  },
  {
    groupResource: 'leases.coordination.k8s.io', reason: 'an API server instance\'s identity lease in the source',
    matches: (item) => label(item, 'apiserver.kubernetes.io/identity') !== undefined,
  },
  ...['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'].map((r): Rule => ({
    groupResource: `${r}.rbac.authorization.k8s.io`, reason: 'default RBAC the target\'s API server creates and reconciles itself',
    matches: (item) => label(item, 'kubernetes.io/bootstrapping') === 'rbac-defaults',
  })),
  ...['flowschemas', 'prioritylevelconfigurations'].map((r): Rule => ({
    groupResource: `${r}.flowcontrol.apiserver.k8s.io`, reason: 'API priority and fairness defaults the target\'s API server keeps itself',
    matches: (item) => asString(annotation(item, 'apf.kubernetes.io/autoupdate-spec')) === 'true',
  })),
  {
    groupResource: 'apiservices.apiregistration.k8s.io', reason: 'registered by the target\'s API server for its built-in APIs and CRDs',
    matches: (item) => label(item, 'kube-aggregator.kubernetes.io/automanaged') !== undefined,
  },
  {
    groupResource: 'servicecidrs.networking.k8s.io', reason: 'the source\'s Service IP range, made by its API server from its flags',
    matches: (item) => item.original.metadata.name === 'kubernetes',
  },
  { groupResource: 'ipaddresses.networking.k8s.io', reason: 'a Service IP the source\'s API server allocated (the target allocates its own)', matches: () => true },
];

/** Why an object is the API server's own and is not restored, or undefined. */
export function apiServerObjectReason(item: TransformItem): string | undefined {
  return RULES.find((r) => r.groupResource === item.groupResource && r.matches(item))?.reason;
}
