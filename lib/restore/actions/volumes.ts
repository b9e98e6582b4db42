import { asRecord, recordAt } from '../json-access.js';
import type { RestoreAction } from './action.js';

/** Annotations the source's PV controller put on a claim while binding it. */
export const PVC_BIND_ANNOTATIONS: readonly string[] = [
  'pv.kubernetes.io/bind-completed', 'pv.kubernetes.io/bound-by-controller', 'volume.kubernetes.io/selected-node',
];

/**
 * PersistentVolumeClaims: the bind annotations (and the selected node, a node of the source) are removed so
 * the target's controller binds the claim itself.
 */
export const persistentVolumeClaimAction: RestoreAction = {
  name: 'persistent-volume-claim',
  appliesTo: ['persistentvolumeclaims'],
  run(copy) {
    const annotations = copy.metadata.annotations;
    if (!annotations) return;
    for (const key of PVC_BIND_ANNOTATIONS) delete annotations[key];
    if (Object.keys(annotations).length === 0) delete copy.metadata.annotations;
  },
};

/** PersistentVolumes: the claim reference keeps namespace and name but loses the source claim's uid and version. */
export const persistentVolumeAction: RestoreAction = {
  name: 'persistent-volume',
  appliesTo: ['persistentvolumes'],
  run(copy) {
    const claimRef = recordAt(copy, 'spec', 'claimRef');
    if (!claimRef) return;
    delete claimRef.uid;
    delete claimRef.resourceVersion;
  },
};

/** ServiceAccounts: references to the source's auto-generated token secrets (`<name>-token-*`) are removed. */
export const serviceAccountAction: RestoreAction = {
  name: 'service-account',
  appliesTo: ['serviceaccounts'],
  run(copy) {
    if (!Array.isArray(copy.secrets)) return;
    const prefix = `${copy.metadata.name ?? ''}-token-`;
    copy.secrets = copy.secrets.filter((s) => !String(asRecord(s)?.name ?? '').startsWith(prefix));
    if ((copy.secrets as unknown[]).length === 0) delete copy.secrets;
  },
};
