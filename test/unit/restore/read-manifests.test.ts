import { describe, expect, it } from 'vitest';
import { readManifestObjects, resourcesFromCrds } from '../../../lib/restore/read-manifests.js';
import { SpecError } from '../../../lib/spec/problems.js';

describe('readManifestObjects', () => {
  it('reads a YAML stream and expands List documents into their items', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: List\nitems:\n'
      + '- {apiVersion: v1, kind: Secret, metadata: {name: b}}\n- {apiVersion: v1, kind: Service, metadata: {name: c}}\n';
    expect(readManifestObjects(text, 'm.yaml').map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/a', 'Secret/b', 'Service/c']);
  });

  it('reads JSON', () => {
    expect(readManifestObjects('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}', 'm.json')).toHaveLength(1);
  });

  it('names every document that is not a Kubernetes object, with its line', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n---\nkind: List\napiVersion: v1\nitems:\n- 42\n';
    try {
      readManifestObjects(text, 'm.yaml');
      expect.unreachable();
    } catch (err) {
      expect((err as SpecError).problems).toEqual([
        expect.objectContaining({ document: 'm.yaml#1', message: expect.stringContaining('metadata.name is missing') }),
        expect.objectContaining({ document: 'm.yaml#2', path: 'items[0]', line: 8 }),
      ]);
    }
  });
});

describe('resourcesFromCrds', () => {
  it('turns each CRD into the resource it defines, with its scope', () => {
    expect(resourcesFromCrds([
      { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
        spec: { group: 'example.com', scope: 'Cluster', names: { kind: 'Widget', plural: 'widgets' } } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
    ])).toEqual([{ group: 'example.com', kind: 'Widget', resource: 'widgets', namespaced: false }]);
  });
});
