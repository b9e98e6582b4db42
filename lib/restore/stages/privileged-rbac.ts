import { isRecord, type KubeObject } from '../../model/object.js';
import type { Stage, StageResult, TransformContext, TransformItem } from '../types.js';

// Restoring privilege is a decision: whoever can write a backup into the bucket must not become cluster-admin on
// the next restore target. Roles that grant everything (or the means to get everything) and bindings to such roles
// are skipped with a warning unless the restore spec says `restorePrivilegedRBAC: true`.

const RBAC_GROUP = 'rbac.authorization.k8s.io';
/** The groupResources of roles, whose rules say whether a binding to them grants privilege. */
export const ROLES: ReadonlySet<string> = new Set([`roles.${RBAC_GROUP}`, `clusterroles.${RBAC_GROUP}`]);
const BINDINGS = new Set([`rolebindings.${RBAC_GROUP}`, `clusterrolebindings.${RBAC_GROUP}`]);
/** Verbs that hand out more than the rule names: making roles beyond one's own, binding them, acting as others. */
const ESCALATING_VERBS = ['escalate', 'bind', 'impersonate'];
/** Built-in ClusterRoles a binding to which is cluster-wide privilege whatever the backup says of them. */
const PRIVILEGED_BUILT_IN_ROLES = new Set(['cluster-admin']);

/** The spec field that lets a restore recreate privileged RBAC objects. */
export const RESTORE_PRIVILEGED_RBAC_FIELD = 'restorePrivilegedRBAC';

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** Why the rules of a Role or ClusterRole are privileged, or undefined when they are not. */
export function privilegedRules(role: KubeObject): string | undefined {
  if (role.kind === 'ClusterRole' && PRIVILEGED_BUILT_IN_ROLES.has(role.metadata.name ?? '')) return `it is the built-in ${role.metadata.name}`;
  if (role.kind === 'ClusterRole' && isRecord(role.aggregationRule)) return 'it aggregates the rules of other ClusterRoles (which may be any)';
  const rules = Array.isArray(role.rules) ? role.rules : [];
  for (const [i, rule] of rules.entries()) {
    if (!isRecord(rule)) continue;
    const wild = (['apiGroups', 'resources', 'verbs', 'nonResourceURLs'] as const).filter((f) => strings(rule[f]).includes('*'));
    if (wild.length > 0) return `rule ${i} has "*" in ${wild.join(', ')}`;
    const escalating = strings(rule.verbs).filter((v) => ESCALATING_VERBS.includes(v));
    if (escalating.length > 0) return `rule ${i} grants ${escalating.join(', ')}`;
  }
  return undefined;
}

/** The key a binding's roleRef is looked up by in `TransformContext.privilegedRoles`. */
export function roleKey(kind: string, name: string, namespace: string): string {
  return kind === 'ClusterRole' ? `ClusterRole ${name}` : `Role ${namespace}/${name}`;
}

/**
 * The keys of the privileged Roles and ClusterRoles among a backup's items, so that bindings to them are known
 * too (a binding to a role of the backup that already exists in the target would grant what that role grants).
 */
export function privilegedRoleKeys(items: Iterable<Pick<TransformItem, 'object' | 'groupResource' | 'backupNamespace'>>): Set<string> {
  const keys = new Set<string>();
  for (const item of items) {
    if (ROLES.has(item.groupResource) && privilegedRules(item.object)) {
      keys.add(roleKey(item.object.kind, item.object.metadata.name ?? '', item.backupNamespace));
    }
  }
  return keys;
}

/** Why an RBAC object would grant privilege if restored, or undefined when it would not (or is not RBAC). */
export function privilegeOf(item: TransformItem, privilegedRoles: ReadonlySet<string> = new Set()): string | undefined {
  if (ROLES.has(item.groupResource)) {
    const why = privilegedRules(item.object);
    return why ? `${item.object.kind} grants privilege: ${why}` : undefined;
  }
  if (!BINDINGS.has(item.groupResource)) return undefined;
  const ref = isRecord(item.object.roleRef) ? item.object.roleRef : {};
  const kind = typeof ref.kind === 'string' ? ref.kind : '';
  const name = typeof ref.name === 'string' ? ref.name : '';
  if (kind === 'ClusterRole' && PRIVILEGED_BUILT_IN_ROLES.has(name)) return `${item.object.kind} binds the built-in ClusterRole ${name}`;
  if (privilegedRoles.has(roleKey(kind, name, item.backupNamespace))) return `${item.object.kind} binds ${kind} ${name}, which grants privilege`;
  return undefined;
}

/** Skips a privileged RBAC object with a warning, unless the spec opts in. */
export function skipPrivilegedRbac(item: TransformItem, context: Pick<TransformContext, 'spec' | 'privilegedRoles'>): StageResult {
  if (context.spec.restorePrivilegedRBAC) return { item };
  const why = privilegeOf(item, context.privilegedRoles);
  return why ? { skip: `${why} (set spec.${RESTORE_PRIVILEGED_RBAC_FIELD}: true to restore it)`, warning: true } : { item };
}

/** Stage 4b: privileged Roles, ClusterRoles and bindings to them, unless the restore opts in. */
export const privilegedRbacStage: Stage = { name: 'privileged-rbac', run: (item, context) => skipPrivilegedRbac(item, context) };
