import { asString, recordsOf } from '../json-access.js';
import type { Converter } from './conversion-types.js';

// Webhook configuration conversion of Kubernetes 1.22 (admissionregistration.k8s.io/v1beta1 to v1).
// NOTE: v1 changed four defaults; the v1beta1 ones are written out where the field is unset.

const SIDE_EFFECTS_V1 = ['None', 'NoneOnDryRun'];

/** admissionregistration.k8s.io/v1beta1 Mutating- or ValidatingWebhookConfiguration to v1. */
export const webhookConfigurationV1beta1ToV1: Converter = (copy) => {
  const errors: string[] = [];
  const seen = new Set<string>();
  recordsOf(copy.webhooks).forEach((hook, i) => {
    const at = `webhooks[${i}]`;
    hook.failurePolicy ??= 'Ignore';
    hook.matchPolicy ??= 'Exact';
    hook.timeoutSeconds ??= 30;
    hook.admissionReviewVersions ??= ['v1beta1'];
    const sideEffects = asString(hook.sideEffects) ?? 'Unknown';
    if (!SIDE_EFFECTS_V1.includes(sideEffects)) {
      errors.push(`${at}.sideEffects is ${sideEffects}; admissionregistration.k8s.io/v1 accepts only None or NoneOnDryRun`);
    }
    const name = asString(hook.name) ?? '';
    if (seen.has(name)) errors.push(`${at}.name "${name}" is used twice; v1 requires unique webhook names`);
    seen.add(name);
  });
  return { errors };
};
