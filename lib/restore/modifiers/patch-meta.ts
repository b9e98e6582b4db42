/** How strategic merge treats one field: the patch strategy and merge keys Kubernetes declares for it. */
export interface FieldPatchMeta {
  /**
   * `merge`: a list merges element by element (by `mergeKeys`, or as a set of primitives when there are none);
   * `replace`: the patch value replaces the field, maps included; undefined: maps merge and lists are replaced.
   */
  strategy?: 'merge' | 'replace';
  /** Keys that identify an element of a merged list of objects (Kubernetes' patchMergeKey, or a CRD's list-map keys). */
  mergeKeys: readonly string[];
  /** The metadata of the field's value: of the object itself, or of each element of a list. */
  meta: PatchMeta;
}

/** The patch metadata of one object type (a struct in Kubernetes' Go types, or a node of a CRD's schema). */
export interface PatchMeta {
  /** A name for messages, such as `PodSpec`. */
  readonly name: string;
  field(key: string): FieldPatchMeta;
}

/** Metadata of a type Ferry knows nothing special about: maps merge, lists are replaced. */
export const GENERIC_META: PatchMeta = {
  name: 'object',
  field: () => GENERIC_FIELD,
};

const GENERIC_FIELD: FieldPatchMeta = { mergeKeys: [], meta: GENERIC_META };

/** A field with a patch strategy or merge key, by its dotted path from the object (`spec.template.spec.containers`). */
export interface TaggedField {
  path: string;
  strategy?: 'merge' | 'replace';
  mergeKey?: string;
}

/** A field spec in a patch-meta table: a nested type, and/or a strategy with its merge key. */
export interface FieldSpec {
  type?: string;
  strategy?: 'merge' | 'replace';
  mergeKey?: string;
}

/** Builds PatchMeta lookups from a table of types: `{ TypeName: { field: FieldSpec } }`. */
export function patchMetaTable(types: Readonly<Record<string, Readonly<Record<string, FieldSpec>>>>): (typeName: string) => PatchMeta {
  const cache = new Map<string, PatchMeta>();
  const metaOf = (typeName: string): PatchMeta => {
    let meta = cache.get(typeName);
    if (!meta) {
      const fields = types[typeName] ?? {};
      meta = {
        name: typeName,
        field: (key) => {
          const spec = Object.prototype.hasOwnProperty.call(fields, key) ? fields[key] : undefined;
          if (!spec) return GENERIC_FIELD;
          return {
            strategy: spec.strategy,
            mergeKeys: spec.mergeKey ? [spec.mergeKey] : [],
            meta: spec.type ? metaOf(spec.type) : GENERIC_META,
          };
        },
      };
      cache.set(typeName, meta);
    }
    return meta;
  };
  return metaOf;
}
