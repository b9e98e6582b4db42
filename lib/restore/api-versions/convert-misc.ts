import { asRecord, asString, recordAt, recordsOf } from '../json-access.js';
import type { Converter } from './conversion-types.js';

// The smaller field changes of the deprecation guide: PodDisruptionBudget and EndpointSlice (1.25),
// CertificateSigningRequest (1.22), PriorityLevelConfiguration (1.26, 1.29, 1.32).

/** policy/v1beta1 PodDisruptionBudget to policy/v1. */
export const pdbV1beta1ToV1: Converter = (copy) => {
  const spec = asRecord(copy.spec);
  const selector = asRecord(spec?.selector);
  const empty = selector && recordsOf(selector.matchExpressions).length === 0
    && Object.keys(asRecord(selector.matchLabels) ?? {}).length === 0;
  if (!spec || !empty) return {};
  // NOTE: an empty selector matched no pods in v1beta1 but matches every pod of the namespace in v1.
  delete spec.selector;
  return { warnings: ['spec.selector {} selected no pods in policy/v1beta1 but would select all in policy/v1; it was removed'] };
};

/** discovery.k8s.io/v1beta1 EndpointSlice to v1: topology keys become nodeName and zone. */
export const endpointSliceV1beta1ToV1: Converter = (copy) => {
  const warnings: string[] = [];
  recordsOf(copy.endpoints).forEach((endpoint, i) => {
    const topology = asRecord(endpoint.topology);
    if (!topology) return;
    const { 'kubernetes.io/hostname': host, 'topology.kubernetes.io/zone': zone, ...rest } = topology;
    if (typeof host === 'string') endpoint.nodeName ??= host;
    if (typeof zone === 'string') endpoint.zone ??= zone;
    delete endpoint.topology;
    if (Object.keys(rest).length > 0) warnings.push(`endpoints[${i}].topology keys ${Object.keys(rest).join(', ')} were dropped: v1 cannot write them`);
  });
  return { warnings };
};

/** certificates.k8s.io/v1beta1 CertificateSigningRequest to v1: signerName and usages become required. */
export const csrV1beta1ToV1: Converter = (copy) => {
  const spec = asRecord(copy.spec);
  if (!spec) return { errors: ['CertificateSigningRequest has no spec'] };
  spec.usages ??= ['digital signature', 'key encipherment'];
  const signer = asString(spec.signerName) ?? 'kubernetes.io/legacy-unknown';
  if (signer === 'kubernetes.io/legacy-unknown') {
    return { errors: ['signerName kubernetes.io/legacy-unknown cannot be requested through certificates.k8s.io/v1'] };
  }
  return {};
};

/** flowcontrol v1beta2 PriorityLevelConfiguration to v1beta3 or v1: assuredConcurrencyShares is renamed. */
export const priorityLevelRenameShares: Converter = (copy) => {
  const limited = recordAt(copy, 'spec', 'limited');
  if (!limited || limited.assuredConcurrencyShares === undefined) return {};
  limited.nominalConcurrencyShares ??= limited.assuredConcurrencyShares;
  delete limited.assuredConcurrencyShares;
  return {};
};

/** flowcontrol v1beta3 PriorityLevelConfiguration to v1: NOTE 0 meant "the default, 30" before v1. */
export const priorityLevelV1beta3ToV1: Converter = (copy) => {
  const limited = recordAt(copy, 'spec', 'limited');
  if (limited && limited.nominalConcurrencyShares === 0) limited.nominalConcurrencyShares = 30;
  return {};
};
