/**
 * Strategic-merge metadata as the target API server publishes it: the `x-kubernetes-patch-strategy` and
 * `x-kubernetes-patch-merge-key` extensions of its OpenAPI v3 documents (one per group version, under
 * /openapi/v3). This is what the server itself applies, so it follows each Kubernetes release; the hand-kept table
 * in builtin-patch-meta.ts is the default when no server is at hand (`ferry transform`).
 */
import { isRecord } from '../../model/object.js';
import { GENERIC_META, type FieldPatchMeta, type PatchMeta, type TaggedField } from './patch-meta.js';

/** One schema node of an OpenAPI v3 document (the parts read here). */
interface Schema {
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
  $ref?: string;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-group-version-kind'?: { group?: string; version?: string; kind?: string }[];
}

const REF_PREFIX = '#/components/schemas/';

/** The patch metadata of the kinds that OpenAPI v3 documents describe. */
export class OpenApiPatchMeta {
  private readonly schemas = new Map<string, Schema>();
  private readonly byGvk = new Map<string, string>();
  private readonly metas = new Map<string, PatchMeta>();

  /** `documents` are OpenAPI v3 documents as the server sends them (untrusted: what is not a schema is skipped). */
  constructor(documents: readonly unknown[]) {
    for (const doc of documents) {
      const schemas = isRecord(doc) && isRecord(doc.components) && isRecord(doc.components.schemas) ? doc.components.schemas : {};
      for (const [name, schema] of Object.entries(schemas)) {
        if (!isRecord(schema)) continue;
        this.schemas.set(name, schema as Schema);
        const gvks = (schema as Schema)['x-kubernetes-group-version-kind'];
        for (const g of Array.isArray(gvks) ? gvks : []) {
          if (isRecord(g) && typeof g.kind === 'string') this.byGvk.set(gvkKey(String(g.group ?? ''), String(g.version ?? ''), g.kind), name);
        }
      }
    }
  }

  /** The metadata of a kind at a version, or undefined when no document describes it. */
  forKind(group: string, version: string, kind: string): PatchMeta | undefined {
    const name = this.byGvk.get(gvkKey(group, version, kind));
    return name ? this.metaOf(name) : undefined;
  }

  /**
   * Every field with a patch strategy or merge key that the kind's schema reaches, by path; a type met again on
   * its own path (a recursive schema) is not followed.
   */
  taggedFields(group: string, version: string, kind: string): TaggedField[] | undefined {
    const root = this.byGvk.get(gvkKey(group, version, kind));
    if (!root) return undefined;
    const out: TaggedField[] = [];
    const walk = (name: string, path: string, seen: ReadonlySet<string>): void => {
      for (const [key, property] of Object.entries(this.schemas.get(name)?.properties ?? {})) {
        if (!isRecord(property)) continue;
        const at = path ? `${path}.${key}` : key;
        const field = this.fieldOf(property);
        if (field.strategy) out.push({ path: at, strategy: field.strategy, ...(field.mergeKeys[0] ? { mergeKey: field.mergeKeys[0] } : {}) });
        const next = refOf(isRecord(property.items) ? property.items : property);
        if (next && this.schemas.has(next) && !seen.has(next)) walk(next, at, new Set([...seen, next]));
      }
    };
    walk(root, '', new Set([root]));
    return out;
  }

  /** The metadata of a named schema, such as `io.k8s.api.core.v1.PodSpec`. */
  metaOf(name: string): PatchMeta {
    let meta = this.metas.get(name);
    if (meta) return meta;
    const properties = this.schemas.get(name)?.properties ?? {};
    const fields = new Map<string, FieldPatchMeta>();
    meta = {
      name: name.slice(name.lastIndexOf('.') + 1),
      field: (key) => {
        let field = fields.get(key);
        if (!field) {
          const property = Object.prototype.hasOwnProperty.call(properties, key) ? properties[key] : undefined;
          field = property ? this.fieldOf(property) : { mergeKeys: [], meta: GENERIC_META };
          fields.set(key, field);
        }
        return field;
      },
    };
    this.metas.set(name, meta);
    return meta;
  }

  private fieldOf(property: Schema): FieldPatchMeta {
    const strategies = String(property['x-kubernetes-patch-strategy'] ?? '').split(',');
    // retainKeys only matters when a patch is computed from two objects, not when one is applied.
    const strategy = strategies.includes('merge') ? 'merge' : strategies.includes('replace') ? 'replace' : undefined;
    const mergeKey = property['x-kubernetes-patch-merge-key'];
    const valueType = refOf(isRecord(property.items) ? property.items : property);
    return {
      ...(strategy ? { strategy } : {}),
      mergeKeys: typeof mergeKey === 'string' && mergeKey !== '' ? [mergeKey] : [],
      meta: valueType && this.schemas.has(valueType) ? this.metaOf(valueType) : GENERIC_META,
    };
  }
}

/** The schema a node names: its `$ref`, or the one `$ref` of its `allOf` (how Kubernetes adds a default to a reference). */
function refOf(schema: Schema): string | undefined {
  const ref = typeof schema.$ref === 'string' ? schema.$ref : Array.isArray(schema.allOf) && schema.allOf.length === 1 && isRecord(schema.allOf[0]) ? schema.allOf[0].$ref : undefined;
  return typeof ref === 'string' && ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : undefined;
}

const gvkKey = (group: string, version: string, kind: string) => `${group}/${version}/${kind}`;
