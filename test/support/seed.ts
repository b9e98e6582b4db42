// The seed's documents (examples/seed) for integration tests, with names made unique per test run.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Cluster } from '../../lib/kube/cluster.js';
import { AlreadyExists } from '../../lib/kube/errors.js';
import type { KubeObject } from '../../lib/model/object.js';

const dir = resolve(import.meta.dirname, '../../examples/seed');

/** The YAML documents of one example file, as plain objects. */
export function seedDocuments(file: 'app.yaml' | 'backup.yaml' | 'modifier.yaml' | 'restore.yaml'): KubeObject[] {
  return parseAllDocuments(readFileSync(`${dir}/${file}`, 'utf8')).map((d) => d.toJS() as KubeObject);
}

/** Creates objects in order (namespaces first if missing); objects that exist already are left as they are. */
export async function createAll(cluster: Cluster, objects: readonly KubeObject[]): Promise<void> {
  for (const obj of objects) {
    const ns = obj.metadata.namespace;
    if (ns && !(await cluster.read('v1', 'Namespace', ns))) {
      await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch(ignoreExists);
    }
    await cluster.create(obj).catch(ignoreExists);
  }
}

function ignoreExists(err: unknown): void {
  if (!(err instanceof AlreadyExists)) throw err;
}

/** The seed's documents with its `default` namespace replaced by a test's own. */
export function inNamespace(objects: KubeObject[], namespace: string): KubeObject[] {
  return objects.map((o) => ({ ...o, metadata: { ...o.metadata, namespace } }));
}

/** The seed's modifier ConfigMap in namespace `namespace`, its rules' namespace conditions naming `app` for `default`. */
export function seedModifierConfigMap(namespace: string, app: string): KubeObject {
  const cm = seedDocuments('modifier.yaml')[0]!;
  const data = cm.data as { modifier: string };
  return { ...cm, metadata: { ...cm.metadata, namespace }, data: { modifier: data.modifier.replaceAll('- default\n', `- ${app}\n`) } };
}
