import { asRecord, asString, recordsOf } from '../json-access.js';
import type { Converter } from './conversion-types.js';

// CustomResourceDefinition conversion of Kubernetes 1.22 (apiextensions.k8s.io/v1beta1 to v1): the
// top-level version, validation, subresources and printer columns move into spec.versions[*].

const PRESERVE_ALL = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

/** apiextensions.k8s.io/v1beta1 CustomResourceDefinition to v1. */
export const crdV1beta1ToV1: Converter = (copy) => {
  const warnings: string[] = [];
  const errors: string[] = [];
  const spec = asRecord(copy.spec);
  if (!spec) return { errors: ['CustomResourceDefinition has no spec'] };
  // NOTE: v1beta1 defaulted scope to Namespaced; v1 requires it.
  spec.scope ??= 'Namespaced';

  let versions = recordsOf(spec.versions);
  if (versions.length === 0) {
    const name = asString(spec.version);
    if (!name) return { errors: ['CustomResourceDefinition has neither spec.versions nor spec.version'] };
    versions = [{ name, served: true, storage: true }];
  }
  const { validation, subresources, additionalPrinterColumns } = spec;
  // NOTE: v1beta1 defaulted preserveUnknownFields to true; v1 forbids it and uses the schema extension instead.
  const preserveUnknown = spec.preserveUnknownFields !== false;
  for (const v of versions) {
    const schema = asRecord(v.schema) ?? asRecord(validation);
    const root = asRecord(schema?.openAPIV3Schema);
    if (root) v.schema = { ...schema, openAPIV3Schema: { ...root } };
    else {
      v.schema = { openAPIV3Schema: { ...PRESERVE_ALL } };
      warnings.push(`version ${String(v.name)} had no schema; it now accepts any fields (v1 requires a schema)`);
    }
    const converted = asRecord(asRecord(v.schema)!.openAPIV3Schema)!;
    converted.type ??= 'object';
    if (preserveUnknown && converted['x-kubernetes-preserve-unknown-fields'] === undefined) {
      converted['x-kubernetes-preserve-unknown-fields'] = true;
    }
    if (v.subresources === undefined && subresources !== undefined) v.subresources = subresources;
    const columns = v.additionalPrinterColumns ?? additionalPrinterColumns;
    if (columns !== undefined) v.additionalPrinterColumns = recordsOf(columns).map(renameJsonPath);
  }
  if (preserveUnknown && spec.preserveUnknownFields === true) {
    warnings.push('spec.preserveUnknownFields: true became x-kubernetes-preserve-unknown-fields: true on each version schema');
  }
  spec.versions = versions;
  for (const key of ['version', 'validation', 'subresources', 'additionalPrinterColumns', 'preserveUnknownFields']) delete spec[key];

  const conversion = asRecord(spec.conversion);
  if (conversion) {
    const { webhookClientConfig, conversionReviewVersions, ...rest } = conversion;
    if (rest.strategy === 'Webhook') {
      if (!webhookClientConfig) errors.push('spec.conversion uses a Webhook strategy without webhookClientConfig');
      rest.webhook = { clientConfig: webhookClientConfig, conversionReviewVersions: conversionReviewVersions ?? ['v1beta1'] };
    }
    spec.conversion = rest;
  }
  return { warnings, errors };
};

function renameJsonPath(column: Record<string, unknown>): Record<string, unknown> {
  const { JSONPath, ...rest } = column;
  return JSONPath === undefined ? column : { ...rest, jsonPath: JSONPath };
}
