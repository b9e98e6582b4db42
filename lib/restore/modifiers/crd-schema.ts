import { isRecord, splitApiVersion, type KubeObject } from '../../model/object.js';
import { objectMetaPatchMeta } from './builtin-patch-meta.js';
import { GENERIC_META, type FieldPatchMeta, type PatchMeta } from './patch-meta.js';

/**
 * What the CustomResourceDefinitions in a backup or target say about the lists of their custom resources:
 * `x-kubernetes-list-type: map` with `x-kubernetes-list-map-keys` merges by those keys, `set` merges as a set,
 * `atomic` (or nothing) replaces; `x-kubernetes-map-type: atomic` replaces a map; `x-kubernetes-patch-strategy`
 * and `x-kubernetes-patch-merge-key` win where a schema declares them.
 */
export interface CrdListMapKeys {
  /** `group/Kind` of every custom resource whose CRD was given. */
  readonly groupKinds: readonly string[];
  /** True when a CRD for this group and kind was given. */
  has(group: string, kind: string): boolean;
  /**
   * The list-map keys of the list field at `path` (property names from the object's root; list items are
   * stepped into implicitly): the keys of a map list, `[]` for a set, undefined for an atomic or unknown field.
   */
  lookup(groupKind: string, path: readonly string[], version?: string): readonly string[] | undefined;
  /** Strategic-merge metadata of the custom resource, from the schema of `version` (else the storage version). */
  patchMeta(group: string, kind: string, version?: string): PatchMeta | undefined;
}

interface CrdEntry {
  schemas: Map<string, Record<string, unknown>>;
  storageVersion?: string;
}

/** Builds CrdListMapKeys from CustomResourceDefinition objects (apiextensions.k8s.io/v1, and v1beta1's top-level schema). */
export function crdListMapKeysFrom(crds: readonly KubeObject[]): CrdListMapKeys {
  const entries = new Map<string, CrdEntry>();
  for (const crd of crds) {
    if (crd.kind !== 'CustomResourceDefinition' || splitApiVersion(crd.apiVersion).group !== 'apiextensions.k8s.io') continue;
    const spec = crd.spec;
    if (!isRecord(spec) || typeof spec.group !== 'string' || !isRecord(spec.names) || typeof spec.names.kind !== 'string') continue;
    const entry: CrdEntry = { schemas: new Map() };
    const shared = isRecord(spec.validation) && isRecord(spec.validation.openAPIV3Schema) ? spec.validation.openAPIV3Schema : undefined;
    for (const version of Array.isArray(spec.versions) ? spec.versions : []) {
      if (!isRecord(version) || typeof version.name !== 'string') continue;
      const schema = isRecord(version.schema) && isRecord(version.schema.openAPIV3Schema) ? version.schema.openAPIV3Schema : shared;
      if (schema) entry.schemas.set(version.name, schema);
      if (version.storage === true) entry.storageVersion = version.name;
    }
    if (entry.schemas.size === 0 && shared && typeof spec.version === 'string') entry.schemas.set(spec.version, shared);
    entries.set(`${spec.group}/${spec.names.kind}`, entry);
  }

  const patchMeta = (group: string, kind: string, version?: string): PatchMeta | undefined => {
    const entry = entries.get(`${group}/${kind}`);
    if (!entry) return undefined;
    const schema = (version !== undefined ? entry.schemas.get(version) : undefined)
      ?? (entry.storageVersion !== undefined ? entry.schemas.get(entry.storageVersion) : undefined)
      ?? entry.schemas.values().next().value;
    return schema ? rootMeta(kind, schema) : GENERIC_META;
  };

  return {
    groupKinds: [...entries.keys()],
    has: (group, kind) => entries.has(`${group}/${kind}`),
    patchMeta,
    lookup(groupKind, path, version) {
      const slash = groupKind.lastIndexOf('/');
      let meta = patchMeta(groupKind.slice(0, Math.max(slash, 0)), groupKind.slice(slash + 1), version);
      let field: FieldPatchMeta | undefined;
      for (const name of path) {
        if (!meta) return undefined;
        field = meta.field(name);
        meta = field.meta;
      }
      return field?.strategy === 'merge' ? field.mergeKeys : undefined;
    },
  };
}

// The root of a custom resource: its metadata is an ObjectMeta whatever the schema says.
function rootMeta(kind: string, schema: Record<string, unknown>): PatchMeta {
  const inner = schemaMeta(kind, schema);
  const objectMeta: FieldPatchMeta = { mergeKeys: [], meta: objectMetaPatchMeta() };
  return { name: kind, field: (key) => (key === 'metadata' ? objectMeta : inner.field(key)) };
}

function schemaMeta(name: string, node: Record<string, unknown>): PatchMeta {
  return {
    name,
    field(key) {
      const props = isRecord(node.properties) ? node.properties : undefined;
      const prop = props && isRecord(props[key]) ? props[key] : isRecord(node.additionalProperties) ? node.additionalProperties : undefined;
      if (!prop) return { mergeKeys: [], meta: GENERIC_META };
      return fieldMeta(`${name}.${key}`, prop);
    },
  };
}

function fieldMeta(name: string, prop: Record<string, unknown>): FieldPatchMeta {
  const isList = prop.type === 'array';
  const valueSchema = isList ? (isRecord(prop.items) ? prop.items : undefined) : prop;
  const meta = valueSchema ? schemaMeta(name, valueSchema) : GENERIC_META;
  const declared = typeof prop['x-kubernetes-patch-strategy'] === 'string' ? prop['x-kubernetes-patch-strategy'].split(',') : [];
  const mergeKey = prop['x-kubernetes-patch-merge-key'];
  if (declared.includes('merge') || declared.includes('replace')) {
    return { strategy: declared.includes('replace') ? 'replace' : 'merge', mergeKeys: typeof mergeKey === 'string' ? [mergeKey] : [], meta };
  }
  if (isList && prop['x-kubernetes-list-type'] === 'map') {
    const keys = Array.isArray(prop['x-kubernetes-list-map-keys']) ? prop['x-kubernetes-list-map-keys'].filter((k): k is string => typeof k === 'string') : [];
    return { strategy: 'merge', mergeKeys: keys, meta };
  }
  if (isList && prop['x-kubernetes-list-type'] === 'set') return { strategy: 'merge', mergeKeys: [], meta };
  if (!isList && prop['x-kubernetes-map-type'] === 'atomic') return { strategy: 'replace', mergeKeys: [], meta };
  return { mergeKeys: [], meta };
}
