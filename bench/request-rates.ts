/**
 * Create throughput against the API server's own flow control, per client request rate, on the local stack
 * (`bash scripts/stack/stack.sh up` first):
 *
 *   npx tsx bench/request-rates.ts [--count 1500] [--rates 50,100,200,400,800,5000]
 *
 * As the stack's operator identity (cluster-admin but not system:masters, so priority and fairness applies), for
 * each client qps (burst twice that, 16 connections: Ferry's DEFAULT_LIMITS otherwise) it creates `count`
 * ConfigMaps 16 at a time in a fresh namespace of the source plane and prints objects/s and the 429s the server
 * answered. How the default rates were chosen (README "Request rates").
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DEFAULT_LIMITS } from '../lib/kube/http.js';
import { KubeCluster, loadKubeConfig } from '../lib/kube/kube-cluster.js';
import { runPool } from '../lib/pool.js';
import { kubeconfigPath, stackDir } from '../test/support/stack.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] ?? fallback : fallback;
}

const count = Number(arg('count', '1500'));
const rates = arg('rates', '50,100,200,400,800,5000').split(',').map(Number);
const operator = readFileSync(join(stackDir(), 'operator.token'), 'utf8').trim();
const kubeconfig = join(tmpdir(), `ferry-operator-${process.pid}.kubeconfig`);
writeFileSync(kubeconfig, readFileSync(kubeconfigPath('source'), 'utf8').replace(/token: .*/, `token: ${operator}`), { mode: 0o600 });

console.log(`creates of ${count} ConfigMaps, 16 at a time, as the operator identity; node ${process.version}\n`);
console.log('| client qps | burst | objects/s | 429s |\n|---|---|---|---|');
for (const qps of rates) {
  const cluster = new KubeCluster(loadKubeConfig(kubeconfig), { ...DEFAULT_LIMITS, qps, burst: qps * 2 });
  const namespace = `rates-${qps}-${Date.now().toString(36)}`;
  await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const objects = Array.from({ length: count }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace }, data: { i: String(i) } }));
  const started = performance.now();
  await runPool(objects, 16, async (o) => { await cluster.create(o); });
  const seconds = (performance.now() - started) / 1000;
  console.log(`| ${qps} | ${qps * 2} | ${(count / seconds).toFixed(0)} | ${cluster.stats.throttled} |`);
  await cluster.delete('v1', 'Namespace', namespace);
  cluster.close();
}
