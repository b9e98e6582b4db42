// The bare create loop that bench/restore-cli.ts holds `ferry restore` against, run as an esbuild bundle on plain
// node (as the `ferry` command runs):
//   node bare-create.mjs --kubeconfig FILE --count N --prefix P --concurrency C
// creates the namespaces `<P>-0` to `<P>-19` and then bench/objects.ts's N objects in them, C at a time, with the
// default client limits a `ferry` command has (lib/kube/http.ts DEFAULT_LIMITS), and nothing else: no reading, no
// transforming, no bookkeeping.
import { DEFAULT_LIMITS } from '../lib/kube/http.js';
import { KubeCluster, loadKubeConfig } from '../lib/kube/kube-cluster.js';
import { runPool } from '../lib/pool.js';
import { benchObjects } from './objects.js';

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? process.argv[i + 1] : undefined;
  if (value === undefined) throw new Error(`bare-create: --${name} is required`);
  return value;
}

const objects = benchObjects(Number(arg('count')), arg('prefix'));
const cluster = new KubeCluster(loadKubeConfig(arg('kubeconfig')), DEFAULT_LIMITS);
// The namespaces are part of the work: a restore into new namespaces has to create them too.
for (const name of new Set(objects.map((o) => o.metadata.namespace!))) await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
await runPool(objects, Number(arg('concurrency')), async (o) => { await cluster.create(o); });
cluster.close();
process.stdout.write(`${JSON.stringify({ created: objects.length, requests: cluster.stats.requests })}\n`);
