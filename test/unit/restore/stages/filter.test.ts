import { describe, expect, it } from 'vitest';
import { filterItem } from '../../../../lib/restore/stages/filter.js';
import { itemOf, obj, specWith } from '../fixtures.js';

const deployment = (ns: string, labels: Record<string, string> = {}) => obj('apps/v1', 'Deployment', 'web', ns, {}, { labels });
const clusterRole = obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader', undefined);
const namespace = (name: string) => obj('v1', 'Namespace', name, undefined);
const pv = (claimNs: string) => obj('v1', 'PersistentVolume', 'pv-1', undefined, { spec: { claimRef: { namespace: claimNs, name: 'data' } } });

describe('filter stage', () => {
  it.each([
    ['an empty spec restores a namespaced object', {}, deployment('default'), true],
    ['a namespace glob includes a matching namespace', { includedNamespaces: ['team-*'] }, deployment('team-a'), true],
    ['a namespace outside the included list is skipped', { includedNamespaces: ['team-*'] }, deployment('default'), false],
    ['an excluded namespace wins over an included one', { includedNamespaces: ['*'], excludedNamespaces: ['default'] }, deployment('default'), false],
    ['a resource outside includedResources is skipped', { includedResources: ['configmaps'] }, deployment('default'), false],
    ['a bare resource name includes the resource of any group', { includedResources: ['deployments'] }, deployment('default'), true],
    ['an excluded resource is skipped', { excludedResources: ['deployments.apps'] }, deployment('default'), false],
    ['a matching labelSelector keeps the object', { labelSelector: { matchLabels: { app: 'nginx' } } }, deployment('default', { app: 'nginx' }), true],
    ['a labelSelector that does not match skips the object', { labelSelector: { matchLabels: { app: 'nginx' } } }, deployment('default', { app: 'db' }), false],
    ['any one of orLabelSelectors keeps the object', { orLabelSelectors: [{ matchLabels: { app: 'x' } }, { matchLabels: { app: 'db' } }] }, deployment('default', { app: 'db' }), true],
    ['none of orLabelSelectors matching skips the object', { orLabelSelectors: [{ matchLabels: { app: 'x' } }] }, deployment('default', { app: 'db' }), false],
    ['a cluster-scoped object is restored when every namespace is', {}, clusterRole, true],
    ['a cluster-scoped object is skipped when only some namespaces are restored', { includedNamespaces: ['default'] }, clusterRole, false],
    ['a cluster-scoped object is skipped when a namespace is excluded (Velero: not everything is included)', { excludedNamespaces: ['kube-system'] }, clusterRole, false],
    ['includeClusterResources true restores cluster-scoped objects with some namespaces', { includedNamespaces: ['default'], includeClusterResources: true }, clusterRole, true],
    ['includeClusterResources false skips cluster-scoped objects even with every namespace', { includeClusterResources: false }, clusterRole, false],
    ['a Namespace object follows the namespace rules, not includeClusterResources', { includedNamespaces: ['default'], includeClusterResources: false }, namespace('default'), true],
    ['a Namespace object of an excluded namespace is skipped', { excludedNamespaces: ['kube-system'] }, namespace('kube-system'), false],
    ['a PersistentVolume bound to a claim in an included namespace comes with it', { includedNamespaces: ['default'] }, pv('default'), true],
    ['a PersistentVolume bound to a claim elsewhere is skipped', { includedNamespaces: ['default'] }, pv('other'), false],
  ])('%s', (_name, fields, object, kept) => {
    const result = filterItem(itemOf(object), specWith(fields));
    expect('skip' in result).toBe(!kept);
  });

  it('gives a reason a user can act on when it skips', () => {
    const result = filterItem(itemOf(clusterRole), specWith({ includedNamespaces: ['default'] }));
    expect(result).toEqual({ skip: expect.stringContaining('includeClusterResources: true') });
  });
});
