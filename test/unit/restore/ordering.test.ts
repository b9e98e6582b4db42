import { describe, expect, it } from 'vitest';
import { orderForRestore, priorityEntryMatches, RESTORE_PRIORITIES, restoreRank } from '../../../lib/restore/ordering.js';
import { itemOf, obj } from './fixtures.js';

describe('restore ordering', () => {
  it('orders by Velero\'s priorities, then the rest alphabetically, then the low priorities, each by namespace and name', () => {
    const items = [
      obj('cluster.x-k8s.io/v1beta1', 'Cluster', 'c1', 'default'),
      obj('apps/v1', 'StatefulSet', 'web', 'default'),
      obj('v1', 'Service', 'nginx', 'default'),
      obj('apps/v1', 'Deployment', 'api', 'b'),
      obj('apps/v1', 'Deployment', 'api', 'a'),
      obj('v1', 'Pod', 'web-0', 'default'),
      obj('v1', 'ConfigMap', 'cfg', 'default'),
      obj('v1', 'Secret', 's', 'default'),
      obj('v1', 'ServiceAccount', 'sa', 'default'),
      obj('v1', 'PersistentVolumeClaim', 'www-web-0', 'default'),
      obj('v1', 'PersistentVolume', 'pv-1', undefined),
      obj('storage.k8s.io/v1', 'StorageClass', 'gp3', undefined),
      obj('v1', 'Namespace', 'default', undefined),
      obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', undefined),
      obj('example.com/v1', 'Widget', 'w', 'default'),
      obj('apps/v1', 'ReplicaSet', 'web-1', 'default'),
    ].map(itemOf);
    expect(orderForRestore(items).map((i) => `${i.groupResource} ${i.object.metadata.namespace ?? ''}/${i.object.metadata.name}`)).toEqual([
      'customresourcedefinitions.apiextensions.k8s.io /widgets.example.com',
      'namespaces /default',
      'storageclasses.storage.k8s.io /gp3',
      'persistentvolumes /pv-1',
      'persistentvolumeclaims default/www-web-0',
      'serviceaccounts default/sa',
      'secrets default/s',
      'configmaps default/cfg',
      'pods default/web-0',
      'replicasets.apps default/web-1',
      'services default/nginx',
      'deployments.apps a/api',
      'deployments.apps b/api',
      'statefulsets.apps default/web',
      'widgets.example.com default/w',
      'clusters.cluster.x-k8s.io default/c1',
    ]);
  });

  it('orders roles before the bindings that name them (a binding made without `bind` is checked against its role)', () => {
    const rbac = 'rbac.authorization.k8s.io/v1';
    const items = [obj(rbac, 'RoleBinding', 'b', 'app'), obj(rbac, 'ClusterRoleBinding', 'cb', undefined), obj(rbac, 'Role', 'r', 'app'),
      obj(rbac, 'ClusterRole', 'cr', undefined), obj('apps/v1', 'Deployment', 'web', 'app')].map(itemOf);
    expect(orderForRestore(items).map((i) => i.object.kind)).toEqual(['ClusterRole', 'Role', 'ClusterRoleBinding', 'Deployment', 'RoleBinding']);
  });

  it.each([
    ['a bare entry names the core resource', 'pods', 'pods', true],
    ['a bare entry names a Kubernetes group\'s resource', 'storageclasses', 'storageclasses.storage.k8s.io', true],
    ['a bare entry does not name a custom group\'s resource', 'services', 'services.example.com', false],
    ['a qualified entry matches exactly', 'replicasets.apps', 'replicasets.apps', true],
    ['a qualified entry does not match another group', 'replicasets.apps', 'replicasets.extensions', false],
  ])('%s', (_name, entry, gr, expected) => {
    expect(priorityEntryMatches(entry, gr)).toBe(expected);
  });

  it('ranks unlisted resources between the high and the low priorities', () => {
    expect(restoreRank('deployments.apps')).toBe(RESTORE_PRIORITIES.high.length);
    expect(restoreRank('clusters.cluster.x-k8s.io')).toBeGreaterThan(RESTORE_PRIORITIES.high.length);
  });

  it('does not change its input', () => {
    const items = [itemOf(obj('v1', 'Service', 's', 'default')), itemOf(obj('v1', 'Namespace', 'default', undefined))];
    const copy = [...items];
    orderForRestore(items);
    expect(items).toEqual(copy);
  });
});
