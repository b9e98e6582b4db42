import { isRecord, type KubeObject } from '../model/object.js';
import type { ResourceInfo } from '../model/resources.js';
import { parseDocuments } from '../spec/documents.js';
import { SpecError, type Problem } from '../spec/problems.js';

/**
 * Reads the Kubernetes objects of a manifest (a YAML stream or JSON); `List` documents are expanded into
 * their items. Throws SpecError naming every document that is not an object with apiVersion, kind and a name.
 */
export function readManifestObjects(text: string, source: string): KubeObject[] {
  const objects: KubeObject[] = [];
  const problems: Problem[] = [];
  for (const doc of parseDocuments(text, source)) {
    const values = isRecord(doc.value) && typeof doc.value.kind === 'string' && doc.value.kind.endsWith('List') && Array.isArray(doc.value.items)
      ? doc.value.items.map((v, i) => ({ value: v, path: `items[${i}]` }))
      : [{ value: doc.value, path: '' }];
    for (const { value, path } of values) {
      const problem = shapeProblem(value);
      if (problem) problems.push({ document: doc.label, path, message: problem, ...doc.positionOf(path ? ['items', Number(path.slice(6, -1))] : []) });
      else objects.push(value as KubeObject);
    }
  }
  if (problems.length > 0) throw new SpecError(problems);
  return objects;
}

function shapeProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'expected a Kubernetes object';
  if (typeof value.apiVersion !== 'string' || !value.apiVersion) return 'expected a Kubernetes object: apiVersion is missing';
  if (typeof value.kind !== 'string' || !value.kind) return 'expected a Kubernetes object: kind is missing';
  const meta = value.metadata;
  if (!isRecord(meta) || (typeof meta.name !== 'string' && typeof meta.generateName !== 'string')) {
    return 'expected a Kubernetes object: metadata.name is missing';
  }
  return undefined;
}

/** The resources that CustomResourceDefinitions among `objects` define, for an offline resolver. */
export function resourcesFromCrds(objects: readonly KubeObject[]): ResourceInfo[] {
  const out: ResourceInfo[] = [];
  for (const crd of objects) {
    if (crd.kind !== 'CustomResourceDefinition' || !isRecord(crd.spec)) continue;
    const { group, names, scope } = crd.spec;
    if (typeof group !== 'string' || !isRecord(names) || typeof names.kind !== 'string' || typeof names.plural !== 'string') continue;
    out.push({ group, kind: names.kind, resource: names.plural, namespaced: scope !== 'Cluster' });
  }
  return out;
}
