import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../lib/model/object.js';
import { transformAll } from '../../../../lib/restore/pipeline.js';
import { privilegedRoleKeys, skipPrivilegedRbac } from '../../../../lib/restore/stages/privileged-rbac.js';
import { contextWith, frozen, itemOf, obj } from '../fixtures.js';

const RBAC = 'rbac.authorization.k8s.io/v1';
const role = (kind: 'Role' | 'ClusterRole', name: string, rules: unknown[], extra: Record<string, unknown> = {}) =>
  obj(RBAC, kind, name, kind === 'Role' ? 'shop' : undefined, { rules, ...extra });
const binding = (kind: 'RoleBinding' | 'ClusterRoleBinding', roleKind: string, roleName: string) =>
  obj(RBAC, kind, 'b', kind === 'RoleBinding' ? 'shop' : undefined, {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: roleName },
    subjects: [{ kind: 'ServiceAccount', name: 'app', namespace: 'shop' }],
  });
const readConfigMaps = { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] };
const wildRole = role('ClusterRole', 'ops', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);

describe('privileged-rbac stage', () => {
  it.each<[string, KubeObject, string | undefined]>([
    ['a ClusterRole with "*" everywhere is skipped', wildRole, 'rule 0 has "*" in apiGroups, resources, verbs'],
    ['a Role with "*" verbs on one resource is skipped', role('Role', 'r', [{ apiGroups: [''], resources: ['secrets'], verbs: ['*'] }]), 'rule 0 has "*" in verbs'],
    ['a ClusterRole with "*" resources in one group is skipped', role('ClusterRole', 'c', [readConfigMaps, { apiGroups: ['apps'], resources: ['*'], verbs: ['get'] }]), 'rule 1 has "*" in resources'],
    ['a ClusterRole with a "*" non-resource URL is skipped', role('ClusterRole', 'c', [{ nonResourceURLs: ['*'], verbs: ['get'] }]), 'rule 0 has "*" in nonResourceURLs'],
    ['a ClusterRole granting escalate and bind is skipped', role('ClusterRole', 'c', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['escalate', 'bind'] }]), 'grants escalate, bind'],
    ['a ClusterRole granting impersonate is skipped', role('ClusterRole', 'c', [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'] }]), 'grants impersonate'],
    ['an aggregating ClusterRole is skipped', role('ClusterRole', 'c', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] } }), 'aggregates'],
    ['a ClusterRole named cluster-admin is skipped', role('ClusterRole', 'cluster-admin', [readConfigMaps]), 'built-in cluster-admin'],
    ['a ClusterRoleBinding to cluster-admin is skipped', binding('ClusterRoleBinding', 'ClusterRole', 'cluster-admin'), 'binds the built-in ClusterRole cluster-admin'],
    ['a RoleBinding to cluster-admin is skipped', binding('RoleBinding', 'ClusterRole', 'cluster-admin'), 'binds the built-in ClusterRole cluster-admin'],
    ['a Role that reads config maps is restored', role('Role', 'reader', [readConfigMaps]), undefined],
    ['a RoleBinding to a Role that reads config maps is restored', binding('RoleBinding', 'Role', 'reader'), undefined],
    ['a ClusterRoleBinding to view is restored', binding('ClusterRoleBinding', 'ClusterRole', 'view'), undefined],
    ['a ConfigMap with "rules" is not RBAC and is restored', obj('v1', 'ConfigMap', 'rules', 'shop', { rules: [{ verbs: ['*'] }] }), undefined],
  ])('%s', (_name, object, reason) => {
    const result = skipPrivilegedRbac(itemOf(frozen(object)), contextWith());
    if (reason === undefined) {
      expect(result).toEqual({ item: itemOf(object) });
    } else {
      expect(result).toMatchObject({ warning: true });
      expect('skip' in result && result.skip).toContain(reason);
      expect('skip' in result && result.skip).toContain('spec.restorePrivilegedRBAC: true');
    }
  });

  it.each([
    ['a ClusterRoleBinding to a wildcard ClusterRole of the backup is skipped', binding('ClusterRoleBinding', 'ClusterRole', 'ops'), true],
    ['a RoleBinding to a wildcard ClusterRole of the backup is skipped', binding('RoleBinding', 'ClusterRole', 'ops'), true],
    ['a RoleBinding to a wildcard Role of the same namespace is skipped', binding('RoleBinding', 'Role', 'wild'), true],
    ['a binding to a harmless role of the same name in another namespace is restored', { ...binding('RoleBinding', 'Role', 'wild'), metadata: { name: 'b', namespace: 'web' } }, false],
  ])('%s', (_name, object, skipped) => {
    const privilegedRoles = privilegedRoleKeys([wildRole, role('Role', 'wild', [{ apiGroups: [''], resources: ['*'], verbs: ['get'] }]), role('Role', 'ok', [readConfigMaps])].map(itemOf));
    expect([...privilegedRoles].sort()).toEqual(['ClusterRole ops', 'Role shop/wild']);
    expect('skip' in skipPrivilegedRbac(itemOf(object), contextWith({}, { privilegedRoles }))).toBe(skipped);
  });

  it('restores every privileged object when the spec opts in with restorePrivilegedRBAC: true', () => {
    for (const object of [wildRole, binding('ClusterRoleBinding', 'ClusterRole', 'cluster-admin')]) {
      expect(skipPrivilegedRbac(itemOf(object), contextWith({ restorePrivilegedRBAC: true }))).toEqual({ item: itemOf(object) });
    }
  });

  it('the pipeline reports each skipped object as a warning and lists it among the skipped, with the rest restored', () => {
    const items = [wildRole, binding('ClusterRoleBinding', 'ClusterRole', 'cluster-admin'), role('Role', 'reader', [readConfigMaps])].map(itemOf);
    const result = transformAll(items, contextWith({}, { privilegedRoles: privilegedRoleKeys(items) }));
    expect(result.items.map((i) => i.object.metadata.name)).toEqual(['reader']);
    expect(result.skipped.map((s) => [s.stage, s.item.object.kind, s.item.object.metadata.name])).toEqual([
      ['privileged-rbac', 'ClusterRole', 'ops'], ['privileged-rbac', 'ClusterRoleBinding', 'b'],
    ]);
    expect(result.problems.filter((p) => p.severity === 'warning' && p.stage === 'privileged-rbac')).toHaveLength(2);
  });

  it('refuses a restorePrivilegedRBAC that is not a boolean', () => {
    expect(() => contextWith({ restorePrivilegedRBAC: 'yes' })).toThrow(/spec\.restorePrivilegedRBAC/);
  });
});
