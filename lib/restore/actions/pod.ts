import { asRecord, asString, recordsOf } from '../json-access.js';
import type { RestoreAction } from './action.js';

/**
 * Pods: the node and the admission-computed priority are the source's; service-account token volumes
 * (legacy `<sa>-token-*` secrets and projected `kube-api-access-*`) are re-injected by the target; ephemeral
 * containers cannot be set on create.
 */
export const podAction: RestoreAction = {
  name: 'pod',
  appliesTo: ['pods'],
  run(copy) {
    const spec = asRecord(copy.spec);
    if (!spec) return;
    const warnings: string[] = [];
    delete spec.nodeName;
    delete spec.priority;
    const account = asString(spec.serviceAccountName) ?? asString(spec.serviceAccount) ?? 'default';
    const isToken = (name: string): boolean => name.startsWith(`${account}-token-`) || name.startsWith('kube-api-access-');
    if (Array.isArray(spec.volumes)) {
      spec.volumes = spec.volumes.filter((v) => !isToken(asString(asRecord(v)?.name) ?? ''));
      if ((spec.volumes as unknown[]).length === 0) delete spec.volumes;
    }
    for (const list of ['initContainers', 'containers']) {
      for (const container of recordsOf(spec[list])) {
        if (!Array.isArray(container.volumeMounts)) continue;
        container.volumeMounts = container.volumeMounts.filter((m) => !isToken(asString(asRecord(m)?.name) ?? ''));
        if ((container.volumeMounts as unknown[]).length === 0) delete container.volumeMounts;
      }
    }
    if (Array.isArray(spec.ephemeralContainers) && spec.ephemeralContainers.length > 0) {
      warnings.push(`its ${spec.ephemeralContainers.length} ephemeral container(s) were dropped: they cannot be set when a Pod is created`);
    }
    delete spec.ephemeralContainers;
    return { warnings };
  },
};
