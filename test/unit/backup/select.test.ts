import { describe, expect, it } from 'vitest';
import { isExcludedByLabel, matchesSelectors, planBackup, preferredResources, selectsAllNamespaces } from '../../../lib/backup/select.js';
import { parseBackupSpec, type BackupTemplate } from '../../../lib/spec/backup-spec.js';
import { discoveryOf, obj } from '../../support/fake-cluster.js';

function template(spec: Record<string, unknown>): BackupTemplate {
  return parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: 'b' }, spec }, 'test');
}

const names = (types: { groupResource: string }[]) => types.map((t) => t.groupResource);

describe('preferredResources', () => {
  it('lists each listable resource once, at the group\'s preferred version or the first version that serves it', () => {
    const found = preferredResources(discoveryOf()).map((r) => `${r.resource}.${r.group}/${r.version}`);
    expect(found).toContain('widgets.example.com/v1');
    expect(found).not.toContain('widgets.example.com/v1beta1');
    expect(found).toContain('gadgets.example.com/v1beta1');
    expect(found).not.toContain('bindings./v1');
  });
});

describe('planBackup', () => {
  it('lists the namespaced types in the concrete namespaces and only the related cluster-scoped ones, as for the seed backup', () => {
    const plan = planBackup(discoveryOf(), template({ includedNamespaces: ['default'] }));
    expect(plan.namespaces).toEqual(['default']);
    expect(names(plan.namespaced)).toEqual(['configmaps', 'deployments.apps', 'gadgets.example.com', 'persistentvolumeclaims',
      'secrets', 'statefulsets.apps', 'widgets.example.com']);
    expect(plan.clusterScoped).toEqual([]);
    expect({
      namespaces: plan.related.namespaces?.groupResource, pvs: plan.related.persistentVolumes?.groupResource,
      crds: plan.related.customResourceDefinitions?.groupResource,
    }).toEqual({ namespaces: 'namespaces', pvs: 'persistentvolumes', crds: 'customresourcedefinitions.apiextensions.k8s.io' });
    expect(plan.selectors).toEqual(['']);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['includeClusterResources true lists every cluster-scoped type but namespaces and the never-backed-up ones', { includedNamespaces: ['default'], includeClusterResources: true },
      ['customresourcedefinitions.apiextensions.k8s.io', 'persistentvolumes', 'storageclasses.storage.k8s.io']],
    ['includeClusterResources unset with every namespace selected lists them too, as Velero\'s auto does', {},
      ['customresourcedefinitions.apiextensions.k8s.io', 'persistentvolumes', 'storageclasses.storage.k8s.io']],
    ['includeClusterResources unset with "*" alone is still every namespace', { includedNamespaces: ['*'] },
      ['customresourcedefinitions.apiextensions.k8s.io', 'persistentvolumes', 'storageclasses.storage.k8s.io']],
    ['includeClusterResources unset with an excluded namespace lists none whole', { excludedNamespaces: ['kube-system'] }, []],
    ['includeClusterResources false lists none', { includeClusterResources: false }, []],
    ['an excluded cluster-scoped type is not listed', { includeClusterResources: true, excludedResources: ['storageclasses.storage.k8s.io'] },
      ['customresourcedefinitions.apiextensions.k8s.io', 'persistentvolumes']],
  ])('%s', (_name, spec, expected) => {
    expect(names(planBackup(discoveryOf(), template(spec)).clusterScoped)).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['includeClusterResources false adds no related objects at all, not even namespaces', { includedNamespaces: ['a'], includeClusterResources: false }, []],
    ['a resource filter that leaves out PVs keeps them out of the related objects too', { includedNamespaces: ['a'], excludedResources: ['persistentvolumes'] },
      ['namespaces', 'customresourcedefinitions.apiextensions.k8s.io']],
    ['an include list of namespaced kinds leaves every related type out', { includedNamespaces: ['a'], includedResources: ['deployments', 'configmaps'] }, []],
  ])('%s', (_name, spec, expected) => {
    const related = planBackup(discoveryOf(), template(spec)).related;
    expect([related.namespaces, related.persistentVolumes, related.customResourceDefinitions].flatMap((t) => (t ? [t.groupResource] : []))).toEqual(expected);
  });

  it('skips events and nodes by default, with the reason, but backs them up when included by name', () => {
    const plan = planBackup(discoveryOf(), template({}));
    expect(plan.skipped.map((s) => s.groupResource)).toEqual(['events', 'nodes']);
    expect(plan.skipped[0]!.reason).toMatch(/what happened/);
    const withEvents = planBackup(discoveryOf(), template({ includedResources: ['events', 'configmaps'] }));
    expect(names(withEvents.namespaced)).toEqual(['configmaps', 'events']);
    expect(withEvents.skipped).toEqual([]);
  });

  it('matches bare resource names in any group and resource.group names exactly', () => {
    const plan = planBackup(discoveryOf(), template({ includedNamespaces: ['a'], includedResources: ['deployments', 'widgets.example.com', 'configmaps.apps'] }));
    expect(names(plan.namespaced)).toEqual(['deployments.apps', 'widgets.example.com']);
  });

  it('lists across all namespaces and filters by glob when a namespace is written as a pattern', () => {
    const plan = planBackup(discoveryOf(), template({ includedNamespaces: ['team-*', 'default'], excludedNamespaces: ['team-tmp'] }));
    expect(plan.namespaces).toBeUndefined();
    expect(['team-a', 'default', 'team-tmp', 'other'].filter(plan.includesNamespace)).toEqual(['team-a', 'default']);
  });

  it('drops concrete namespaces that are also excluded from the list to read', () => {
    const plan = planBackup(discoveryOf(), template({ includedNamespaces: ['b', 'a', 'c'], excludedNamespaces: ['c*'] }));
    expect(plan.namespaces).toEqual(['a', 'b']);
  });

  it('sends one server-side selector per orLabelSelectors entry, and the labelSelector alone otherwise', () => {
    const or = planBackup(discoveryOf(), template({ orLabelSelectors: [{ matchLabels: { app: 'a' } }, { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['x', 'w'] }] }] }));
    expect(or.selectors).toEqual(['app=a', 'tier notin (w,x)']);
    const and = planBackup(discoveryOf(), template({ labelSelector: { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'gone', operator: 'DoesNotExist' }] } }));
    expect(and.selectors).toEqual(['app=a,!gone']);
  });
});

describe('item rules', () => {
  it.each([
    ['an object with the label set to "true" is excluded', { 'velero.io/exclude-from-backup': 'true' }, true],
    ['an object with the label set to "false" is kept', { 'velero.io/exclude-from-backup': 'false' }, false],
    ['an object without labels is kept', undefined, false],
  ])('%s', (_name, labels, excluded) => {
    expect(isExcludedByLabel(obj('v1', 'ConfigMap', 'c', 'a', {}, labels))).toBe(excluded);
  });

  it('matches an object read one by one against any of the selectors', () => {
    const plan = planBackup(discoveryOf(), template({ orLabelSelectors: [{ matchLabels: { app: 'a' } }, { matchLabels: { app: 'b' } }] }));
    expect(matchesSelectors(plan, obj('v1', 'Namespace', 'n', undefined, {}, { app: 'b' }))).toBe(true);
    expect(matchesSelectors(plan, obj('v1', 'Namespace', 'n', undefined, {}, { app: 'c' }))).toBe(false);
  });

  it.each([
    [[], [], true], [['*'], [], true], [['a'], [], false], [[], ['b'], false],
  ])('selectsAllNamespaces(%j, %j) is %s', (included, excluded, expected) => {
    expect(selectsAllNamespaces({ includedNamespaces: included, excludedNamespaces: excluded })).toBe(expected);
  });
});
