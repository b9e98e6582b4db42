/** What the demo checks and prints about the StatefulSet before and after: namespace, image, affinity. */
import { isRecord, type KubeObject } from '../../lib/model/object.js';

/** The fields a person compares. */
export interface StatefulSetView {
  namespace: string;
  image: string;
  affinity: string;
  labels: string;
}

/** Reads the compared fields of a StatefulSet. */
export function viewOf(sts: KubeObject): StatefulSetView {
  const spec = isRecord(sts.spec) ? sts.spec : {};
  const template = isRecord(spec.template) && isRecord(spec.template.spec) ? spec.template.spec : {};
  const containers = Array.isArray(template.containers) ? template.containers as Record<string, unknown>[] : [];
  const labels = sts.metadata.labels ?? {};
  return {
    namespace: sts.metadata.namespace ?? '',
    image: containers.map((c) => String(c.image)).join(', '),
    affinity: template.affinity === undefined ? '(none)' : JSON.stringify(template.affinity),
    labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).sort().join(', '),
  };
}

/** What the seed says the restored StatefulSet must look like; each failed expectation as a sentence. */
export function checkRestored(after: StatefulSetView, expected: { namespace: string; image: string; backup: string; restore: string }): string[] {
  const problems: string[] = [];
  if (after.namespace !== expected.namespace) problems.push(`namespace is ${after.namespace}, expected ${expected.namespace}`);
  if (after.image !== expected.image) problems.push(`image is ${after.image}, expected ${expected.image}`);
  if (after.affinity.includes('nodeAffinity')) problems.push(`node affinity is still there: ${after.affinity}`);
  for (const label of [`velero.io/backup-name=${expected.backup}`, `velero.io/restore-name=${expected.restore}`]) {
    if (!after.labels.split(', ').includes(label)) problems.push(`label ${label} is missing (labels: ${after.labels})`);
  }
  return problems;
}

/** A two-column table of before and after. */
export function beforeAfterTable(before: StatefulSetView, after: StatefulSetView): string {
  const rows: [string, string, string][] = [
    ['namespace', before.namespace, after.namespace],
    ['image', before.image, after.image],
    ['affinity', before.affinity, after.affinity],
    ['labels', before.labels, after.labels],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length), 5);
  const w1 = Math.max(...rows.map((r) => r[1].length), 6);
  return [`${'field'.padEnd(w0)}  ${'before (source)'.padEnd(w1)}  after (target)`, ...rows.map(([f, b, a]) => `${f.padEnd(w0)}  ${b.padEnd(w1)}  ${a}`)].join('\n');
}
