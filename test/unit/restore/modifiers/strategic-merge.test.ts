import { describe, expect, it } from 'vitest';
import { cloneJson, type KubeObject } from '../../../../lib/model/object.js';
import { applyStrategicMergePatch, builtInPatchMeta, crdListMapKeysFrom } from '../../../../lib/restore/modifiers/index.js';
import { getAt } from '../../../../lib/restore/modifiers/json-pointer.js';
import { deployment } from './fixtures.js';

function pod(): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', labels: { app: 'web', tier: 'frontend' }, finalizers: ['x/one', 'x/two', 'x/three'],
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u-1', controller: true }] },
    spec: {
      nodeSelector: { disk: 'ssd', zone: 'a' },
      containers: [
        { name: 'app', image: 'app:1', args: ['--a', '--b', '--c'], ports: [{ containerPort: 80, name: 'http' }, { containerPort: 9090, name: 'metrics' }],
          env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'tmp', mountPath: '/tmp' }] },
        { name: 'proxy', image: 'envoy:1' },
      ],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }, { name: 'tmp', emptyDir: {} }],
      tolerations: [{ key: 'a', operator: 'Exists' }],
    },
  };
}

function service(): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'ns' },
    spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 8443 }] } };
}

const widgetCrd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
  spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: {
    type: 'object',
    properties: { spec: { type: 'object', properties: {
      listeners: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port', 'protocol'],
        items: { type: 'object', properties: { port: { type: 'integer' }, protocol: { type: 'string' }, tls: { type: 'boolean' } } } },
      tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
      hosts: { type: 'array', items: { type: 'string' } },
      selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', additionalProperties: { type: 'string' } },
      backends: { type: 'array', 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name', items: { type: 'object' } },
    } } },
  } } }] },
};

function widget(): KubeObject {
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'ns', finalizers: ['a'] },
    spec: { listeners: [{ port: 80, protocol: 'TCP', tls: false }, { port: 80, protocol: 'UDP', tls: false }], tags: ['blue', 'green'],
      hosts: ['a.example', 'b.example'], selector: { app: 'w', tier: 'x' }, backends: [{ name: 'one', weight: 1 }, { name: 'two', weight: 2 }] } };
}

interface Case {
  name: string;
  object: () => KubeObject;
  patch: Record<string, unknown>;
  at?: Record<string, unknown>;
  error?: RegExp;
}

const cases: Case[] = [
  { name: 'a new container goes before the existing ones, as kubectl patch shows', object: pod,
    patch: { spec: { containers: [{ name: 'debug', image: 'busybox' }] } },
    at: { '/spec/containers/0': { name: 'debug', image: 'busybox' }, '/spec/containers/1/name': 'app', '/spec/containers/2/name': 'proxy' } },
  { name: 'containers merge by name, and patch items follow the original items that came before them', object: pod,
    patch: { spec: { containers: [{ name: 'proxy', image: 'envoy:2' }, { name: 'debug', image: 'busybox' }] } },
    at: { '/spec/containers/0/name': 'app', '/spec/containers/0/image': 'app:1', '/spec/containers/0/env/1': { name: 'B', value: '2' },
      '/spec/containers/1': { name: 'proxy', image: 'envoy:2' }, '/spec/containers/2': { name: 'debug', image: 'busybox' } } },
  { name: 'container ports merge by containerPort', object: pod,
    patch: { spec: { containers: [{ name: 'app', ports: [{ containerPort: 9090, name: 'prom' }] }] } },
    at: { '/spec/containers/0/ports': [{ containerPort: 80, name: 'http' }, { containerPort: 9090, name: 'prom' }] } },
  { name: 'env merges by name: a changed variable keeps its place after the variables that came before it', object: pod,
    patch: { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] } },
    at: { '/spec/containers/0/env': [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }] } },
  { name: 'volumeMounts merge by mountPath, so a second mount of the same volume is added', object: pod,
    patch: { spec: { containers: [{ name: 'app', volumeMounts: [{ name: 'data', mountPath: '/backup', readOnly: true }] }] } },
    at: { '/spec/containers/0/volumeMounts': [{ name: 'data', mountPath: '/backup', readOnly: true }, { name: 'data', mountPath: '/data' }, { name: 'tmp', mountPath: '/tmp' }] } },
  { name: 'volumes merge by name and a $patch: delete element removes one', object: pod,
    patch: { spec: { volumes: [{ name: 'tmp', $patch: 'delete' }, { name: 'data', persistentVolumeClaim: { claimName: 'data-restored' } }] } },
    at: { '/spec/volumes': [{ name: 'data', persistentVolumeClaim: { claimName: 'data-restored' } }] } },
  { name: 'imagePullSecrets merge by name', object: deployment,
    patch: { spec: { template: { spec: { imagePullSecrets: [{ name: 'registry-b' }] } } } },
    at: { '/spec/template/spec/imagePullSecrets': [{ name: 'registry-b' }, { name: 'registry-a' }] } },
  { name: 'tolerations have no patch strategy, so the patch list replaces them', object: pod,
    patch: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } },
    at: { '/spec/tolerations': [{ key: 'b', operator: 'Exists' }] } },
  { name: 'container args have no patch strategy, so the patch list replaces them', object: pod,
    patch: { spec: { containers: [{ name: 'app', args: ['--z'] }] } },
    at: { '/spec/containers/0/args': ['--z'], '/spec/containers/0/image': 'app:1' } },
  { name: 'Service ports merge by port', object: service,
    patch: { spec: { ports: [{ port: 443, targetPort: 9443 }] } },
    at: { '/spec/ports': [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 9443 }] } },
  { name: 'finalizers merge as a set of strings and ownerReferences merge by uid', object: pod,
    patch: { metadata: { finalizers: ['x/two', 'x/four'], ownerReferences: [{ uid: 'u-1', controller: false }] } },
    at: { '/metadata/finalizers': ['x/one', 'x/two', 'x/four', 'x/three'], '/metadata/ownerReferences/0/controller': false, '/metadata/ownerReferences/0/name': 'rs' } },
  { name: 'a null deletes a field and maps merge key by key', object: pod,
    patch: { metadata: { labels: { tier: null, team: 'blue' } }, spec: { nodeSelector: null } },
    at: { '/metadata/labels': { app: 'web', team: 'blue' }, '/spec/nodeSelector': undefined } },
  { name: '$patch: replace in a map replaces the map instead of merging it', object: pod,
    patch: { spec: { nodeSelector: { $patch: 'replace', pool: 'general' } } },
    at: { '/spec/nodeSelector': { pool: 'general' } } },
  { name: '$patch: delete in a map empties it', object: pod,
    patch: { spec: { nodeSelector: { $patch: 'delete' } } },
    at: { '/spec/nodeSelector': {} } },
  { name: '$patch: merge is the default and changes nothing about the merge', object: pod,
    patch: { spec: { nodeSelector: { $patch: 'merge', zone: 'b' } } },
    at: { '/spec/nodeSelector': { disk: 'ssd', zone: 'b' } } },
  { name: 'a $patch: replace element replaces a merging list with the other elements', object: pod,
    patch: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'only:1' }] } },
    at: { '/spec/containers': [{ name: 'only', image: 'only:1' }] } },
  { name: '$retainKeys clears the keys it does not list, as for a Deployment\'s strategy', object: deployment,
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    at: { '/spec/strategy': { type: 'Recreate' } } },
  { name: '$retainKeys must list every field the patch sets', object: deployment,
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'RollingUpdate', rollingUpdate: { maxSurge: 2 } } } },
    error: /spec\.strategy\.\$retainKeys: the patch sets "rollingUpdate", so \$retainKeys must list it/ },
  { name: '$setElementOrder orders a merged list as it says', object: pod,
    patch: { spec: { containers: [{ name: 'proxy', image: 'envoy:3' }], '$setElementOrder/containers': [{ name: 'proxy' }, { name: 'app' }] } },
    at: { '/spec/containers/0/name': 'proxy', '/spec/containers/0/image': 'envoy:3', '/spec/containers/1/name': 'app' } },
  { name: '$setElementOrder of primitives orders finalizers', object: pod,
    patch: { metadata: { '$setElementOrder/finalizers': ['x/three', 'x/one', 'x/two'] } },
    at: { '/metadata/finalizers': ['x/three', 'x/one', 'x/two'] } },
  { name: 'a patch list in another order than its $setElementOrder list is an error', object: pod,
    patch: { spec: { containers: [{ name: 'app', image: 'a' }, { name: 'proxy', image: 'b' }], '$setElementOrder/containers': [{ name: 'proxy' }, { name: 'app' }] } },
    error: /spec\.containers: the patch list names .* out of the order its \$setElementOrder list gives/ },
  { name: '$deleteFromPrimitiveList removes values from finalizers', object: pod,
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['x/one', 'x/three'] } },
    at: { '/metadata/finalizers': ['x/two'] } },
  { name: '$deleteFromPrimitiveList also removes values from a list without patch strategy', object: pod,
    patch: { spec: { containers: [{ name: 'app', '$deleteFromPrimitiveList/args': ['--b'] }] } },
    at: { '/spec/containers/0/args': ['--a', '--c'] } },
  { name: 'an element without its merge key is an error naming the list', object: pod,
    patch: { spec: { containers: [{ image: 'nameless' }] } },
    error: /spec\.containers: an element has no merge key "name"/ },
  { name: 'a value of another type replaces the original value', object: pod,
    patch: { spec: { nodeSelector: 'none' } },
    at: { '/spec/nodeSelector': 'none' } },
  { name: 'a custom resource\'s map list merges by all its list-map keys', object: widget,
    patch: { spec: { listeners: [{ port: 80, protocol: 'UDP', tls: true }, { port: 443, protocol: 'TCP', tls: true }] } },
    at: { '/spec/listeners': [{ port: 80, protocol: 'TCP', tls: false }, { port: 80, protocol: 'UDP', tls: true }, { port: 443, protocol: 'TCP', tls: true }] } },
  { name: 'a custom resource\'s set list merges as a set and its atomic list is replaced', object: widget,
    patch: { spec: { tags: ['green', 'red'], hosts: ['c.example'] } },
    at: { '/spec/tags': ['blue', 'green', 'red'], '/spec/hosts': ['c.example'] } },
  { name: 'a custom resource\'s atomic map is replaced and x-kubernetes-patch-merge-key is honoured', object: widget,
    patch: { metadata: { finalizers: ['b'] }, spec: { selector: { app: 'v' }, backends: [{ name: 'two', weight: 5 }] } },
    at: { '/spec/selector': { app: 'v' }, '/spec/backends': [{ name: 'one', weight: 1 }, { name: 'two', weight: 5 }], '/metadata/finalizers': ['b', 'a'] } },
];

describe('applyStrategicMergePatch', () => {
  const crds = crdListMapKeysFrom([widgetCrd]);
  it.each(cases)('$name', (c) => {
    const object = c.object();
    const before = cloneJson(object);
    const patch = JSON.parse(JSON.stringify(c.patch)) as Record<string, unknown>;
    const { group, version } = { group: object.apiVersion.includes('/') ? object.apiVersion.split('/')[0]! : '', version: object.apiVersion.split('/').pop() };
    const meta = crds.patchMeta(group, object.kind, version) ?? builtInPatchMeta(group, object.kind)!;
    if (c.error) {
      expect(() => applyStrategicMergePatch(object, patch, meta)).toThrow(c.error);
    } else {
      const result = applyStrategicMergePatch(object, patch, meta);
      for (const [pointer, value] of Object.entries(c.at ?? {})) expect(getAt(result, pointer), pointer).toEqual(value);
    }
    expect(object).toEqual(before);
  });

  it('knows the built-in kinds and refuses to guess for a custom resource that reuses a built-in kind name', () => {
    expect(builtInPatchMeta('apps', 'Deployment')?.name).toBe('Deployment');
    expect(builtInPatchMeta('extensions', 'Deployment')?.name).toBe('Deployment');
    expect(builtInPatchMeta('', 'ConfigMap')).toBeDefined();
    expect(builtInPatchMeta('example.com', 'Deployment')).toBeUndefined();
    expect(builtInPatchMeta('gateway.networking.k8s.io', 'Gateway')).toBeUndefined();
  });
});
