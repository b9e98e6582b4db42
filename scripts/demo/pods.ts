/**
 * What the demo shows of the seed's pods on the stack's nodes: web-0 and web-1 running (or, without the modifier
 * rules, Pending with the scheduler's reason), their node and image, and the page each serves from its volume.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '../../lib/kube/cluster.js';
import { fetchFromPod, volumeFolderOf, waitForAffinityVerdict, waitForRunning } from '../../test/support/workloads.js';

export const SEED_PODS = ['web-0', 'web-1'];

/** A page a pod served: its HTTP status and body. */
export interface Served { status: number; body: string }

/**
 * Waits for the seed's pods of the StatefulSet `ownerUid` to run, and fetches the page each serves. `lines` has one
 * line per pod: name, phase, node, image, and the page; `served` the page by pod name.
 */
export async function runningPods(cluster: Cluster, namespace: string, ownerUid: string): Promise<{ lines: string[]; served: Map<string, Served> }> {
  const running = await waitForRunning(cluster, namespace, SEED_PODS, 240, ownerUid);
  const lines: string[] = [];
  const served = new Map<string, Served>();
  for (const name of SEED_PODS) {
    const pod = running.get(name)!;
    const page = await fetchFromPod(pod.podIP!, '/index.html');
    served.set(name, page);
    const serves = page.status === 200 ? JSON.stringify(page.body.trim()) : `HTTP ${page.status} (an empty volume)`;
    lines.push(`${pod.name} ${pod.phase} on ${pod.nodeName} (${pod.podIP}), image ${pod.images.join(', ')}, serves ${serves}`);
  }
  return { lines, served };
}

/**
 * The pages the seed pods of `namespace` served, against the pages written in the source: one line per pod that did
 * not serve its page (none when the volume data came across).
 */
export function pageProblems(namespace: string, served: ReadonlyMap<string, Served>, written: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const name of SEED_PODS) {
    const page = served.get(name);
    if (page?.status !== 200 || page.body !== written.get(name)) {
      problems.push(`${namespace}/${name} serves ${page ? `HTTP ${page.status} ${JSON.stringify(page.body.trim().slice(0, 80))}` : 'nothing'}, not the page written in the source`);
    }
  }
  return problems;
}

/** Writes a page into each seed pod's volume, as a user's data; returns where. */
export async function writePages(cluster: Cluster, namespace: string, text: (pod: string) => string): Promise<string[]> {
  const written: string[] = [];
  for (const name of SEED_PODS) {
    const folder = await volumeFolderOf(cluster, namespace, `www-${name}`);
    writeFileSync(join(folder, 'index.html'), text(name));
    written.push(`${name}: ${folder}/index.html`);
  }
  return written;
}

/** Waits until the scheduler's verdict on web-0 names node affinity, and returns it. */
export async function unschedulableReason(cluster: Cluster, namespace: string): Promise<string> {
  return (await waitForAffinityVerdict(cluster, namespace, 'web-0')).unschedulable!;
}
