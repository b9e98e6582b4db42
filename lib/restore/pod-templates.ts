import type { KubeObject } from '../model/object.js';
import { asRecord, recordAt, recordsOf } from './json-access.js';

/** Where each workload kind keeps its pod spec (Pod itself: `spec`). */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  PodTemplate: ['template', 'spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** The kinds that carry a pod spec. */
export const POD_TEMPLATE_KINDS: readonly string[] = Object.keys(POD_SPEC_PATHS);

/** The pod spec inside an object of a workload kind (the object's own, so callers may change it), if any. */
export function podSpecOf(object: KubeObject): Record<string, unknown> | undefined {
  const path = POD_SPEC_PATHS[object.kind];
  return path ? recordAt(object, ...path) : undefined;
}

/** Every container of a pod spec, with the list it sits in: containers, initContainers, ephemeralContainers. */
export function containersOf(podSpec: Record<string, unknown>): { list: string; index: number; container: Record<string, unknown> }[] {
  const out: { list: string; index: number; container: Record<string, unknown> }[] = [];
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    const entries = podSpec[list];
    if (!Array.isArray(entries)) continue;
    entries.forEach((container, index) => {
      const c = asRecord(container);
      if (c) out.push({ list, index, container: c });
    });
  }
  return out;
}

/** Every pod-affinity term of a pod spec (required and preferred, affinity and anti-affinity). */
export function podAffinityTermsOf(podSpec: Record<string, unknown>): Record<string, unknown>[] {
  const affinity = asRecord(podSpec.affinity);
  const terms: Record<string, unknown>[] = [];
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = asRecord(affinity?.[kind]);
    terms.push(...recordsOf(a?.requiredDuringSchedulingIgnoredDuringExecution));
    for (const weighted of recordsOf(a?.preferredDuringSchedulingIgnoredDuringExecution)) {
      const term = asRecord(weighted.podAffinityTerm);
      if (term) terms.push(term);
    }
  }
  return terms;
}
