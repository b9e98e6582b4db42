import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../lib/model/object.js';
import { applyResourceModifiers, crdListMapKeysFrom } from '../../../../lib/restore/modifiers/index.js';
import { rules } from './fixtures.js';

const list = (extra: Record<string, unknown>): Record<string, unknown> => ({ type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } }, ...extra });

function crd(version: Record<string, unknown>[], apiVersion = 'apiextensions.k8s.io/v1', extraSpec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind: 'CustomResourceDefinition', metadata: { name: 'gadgets.example.com' },
    spec: { group: 'example.com', names: { kind: 'Gadget', plural: 'gadgets' }, scope: 'Namespaced', versions: version, ...extraSpec } };
}

const schema = (props: Record<string, unknown>): Record<string, unknown> => ({ openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: props } } } });

describe('crdListMapKeysFrom', () => {
  const keys = crdListMapKeysFrom([
    crd([
      { name: 'v1', served: true, storage: true, schema: schema({
        ports: list({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port'] }),
        members: list({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name', 'port'] }),
        labels: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        args: { type: 'array', 'x-kubernetes-list-type': 'atomic', items: { type: 'string' } },
        groups: { type: 'array', items: { type: 'object', properties: { rules: list({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] }) } } },
      }) },
      { name: 'v1alpha1', served: true, storage: false, schema: schema({ ports: list({}) }) },
    ]),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'not-a-crd' } },
  ]);

  it.each<[string, string[], string | undefined, readonly string[] | undefined]>([
    ['a map list gives its list-map key', ['spec', 'ports'], 'v1', ['port']],
    ['a map list with two keys gives both', ['spec', 'members'], undefined, ['name', 'port']],
    ['a set gives no keys but merges', ['spec', 'labels'], undefined, []],
    ['an atomic list gives nothing', ['spec', 'args'], undefined, undefined],
    ['a list inside the items of another list is found by stepping into the items', ['spec', 'groups', 'rules'], undefined, ['name']],
    ['a field the schema does not have gives nothing', ['spec', 'nope'], undefined, undefined],
    ['another version uses its own schema', ['spec', 'ports'], 'v1alpha1', undefined],
    ['an unknown version falls back to the storage version', ['spec', 'ports'], 'v9', ['port']],
  ])('%s', (_name, path, version, expected) => {
    expect(keys.lookup('example.com/Gadget', path, version)).toEqual(expected);
  });

  it('knows only the kinds of the CRDs it was given, ignoring other objects', () => {
    expect(keys.groupKinds).toEqual(['example.com/Gadget']);
    expect(keys.has('example.com', 'Gadget')).toBe(true);
    expect(keys.has('example.com', 'Widget')).toBe(false);
    expect(keys.lookup('example.com/Widget', ['spec', 'ports'])).toBeUndefined();
  });

  it('reads the top-level schema of an apiextensions.k8s.io/v1beta1 CRD', () => {
    const old = crdListMapKeysFrom([crd([{ name: 'v1beta1', served: true, storage: true }], 'apiextensions.k8s.io/v1beta1',
      { validation: schema({ ports: list({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port'] }) }) })]);
    expect(old.lookup('example.com/Gadget', ['spec', 'ports'])).toEqual(['port']);
  });

  it('lets a strategic patch of a custom resource merge by the CRD\'s list-map keys during a restore', () => {
    const gadget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g', namespace: 'lab' },
      spec: { ports: [{ port: 80, name: 'http' }, { port: 81, name: 'alt' }], args: ['-v'] } };
    const modifiers = rules(`- conditions:\n    groupResource: gadgets.example.com\n  strategicPatches:\n  - patchData: '{"spec": {"ports": [{"port": 81, "name": "admin"}], "args": ["-q"]}}'\n`);
    const result = applyResourceModifiers(gadget, gadget, 'gadgets.example.com', modifiers, { crdListMapKeys: keys });
    expect(result.errors).toEqual([]);
    expect(result.object.spec).toEqual({ ports: [{ port: 80, name: 'http' }, { port: 81, name: 'admin' }], args: ['-q'] });
  });
});
