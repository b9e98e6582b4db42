// Benchmark objects: ConfigMaps, Secrets and Deployments of about 2 KB each, spread over namespaces.
import type { KubeObject } from '../lib/model/object.js';

/** About `bytes` of deterministic filler text. */
function filler(seed: number, bytes: number): string {
  let s = '';
  let x = seed * 2654435761 >>> 0;
  while (s.length < bytes) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += x.toString(36);
  }
  return s.slice(0, bytes);
}

/** The i-th benchmark object in `namespace`: ConfigMap, Secret and Deployment in turn, each about 2 KB. */
export function benchObject(i: number, namespace: string): KubeObject {
  const name = `bench-${i}`;
  const labels = { app: 'ferry-bench', shard: String(i % 10) };
  switch (i % 3) {
    case 0:
      return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data: { payload: filler(i, 1900) } };
    case 1:
      return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, labels }, type: 'Opaque', data: { payload: Buffer.from(filler(i, 1400)).toString('base64') } };
    default:
      return {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace, labels, annotations: { note: filler(i, 1200) } },
        spec: {
          replicas: 1, selector: { matchLabels: { app: 'ferry-bench', id: name } },
          template: {
            metadata: { labels: { app: 'ferry-bench', id: name } },
            spec: { containers: [{ name: 'app', image: 'registry.example.com/team/app:1.2.3', env: [{ name: 'MODE', value: 'bench' }], ports: [{ containerPort: 8080 }] }] },
          },
        },
      };
  }
}

/** `count` objects over `namespaces` namespaces named `<prefix>-<n>`. */
export function benchObjects(count: number, prefix: string, namespaces = 20): KubeObject[] {
  return Array.from({ length: count }, (_, i) => benchObject(i, `${prefix}-${i % namespaces}`));
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** A bench option: the value after `--<name>` on the command line, else `fallback`. */
export function benchArg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] ?? fallback : fallback;
}

/** The namespaces benchObjects spreads its objects over, for a prefix: `<prefix>-0` to `<prefix>-19`. */
export function benchNamespaces(prefix: string, namespaces = 20): string[] {
  return Array.from({ length: namespaces }, (_, n) => `${prefix}-${n}`);
}
