import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../lib/model/object.js';
import { applyConversions, findConversionPath } from '../../../../lib/restore/api-versions/conversions.js';
import { servedVersionsForMinor } from '../../../../lib/restore/api-versions/kubernetes-versions.js';
import { frozen, obj } from '../fixtures.js';

/** Converts `object` to what Kubernetes 1.`minor` serves; fails when no path exists. */
function convert(object: KubeObject, minor: number) {
  const path = findConversionPath(object.apiVersion, object.kind, servedVersionsForMinor(minor));
  if (!path) throw new Error(`no conversion for ${object.apiVersion} ${object.kind}`);
  return applyConversions(frozen(object), path);
}

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };

describe('findConversionPath', () => {
  it.each([
    ['extensions/v1beta1 Ingress reaches networking.k8s.io/v1 through v1beta1 on 1.22', 'extensions/v1beta1', 'Ingress', 22, ['networking.k8s.io/v1beta1', 'networking.k8s.io/v1']],
    ['extensions/v1beta1 Ingress goes straight to networking.k8s.io/v1 on 1.19 as the preferred version', 'extensions/v1beta1', 'Ingress', 19, ['networking.k8s.io/v1beta1', 'networking.k8s.io/v1']],
    ['extensions/v1beta1 Deployment goes to apps/v1', 'extensions/v1beta1', 'Deployment', 16, ['apps/v1']],
    ['autoscaling/v2beta1 goes straight to autoscaling/v2 on 1.25', 'autoscaling/v2beta1', 'HorizontalPodAutoscaler', 25, ['autoscaling/v2']],
    ['autoscaling/v2beta1 goes to v2beta2 on 1.22, before v2 existed', 'autoscaling/v2beta1', 'HorizontalPodAutoscaler', 22, ['autoscaling/v2beta2']],
    ['flowcontrol v1beta2 reaches v1 through v1beta3 on 1.32', 'flowcontrol.apiserver.k8s.io/v1beta2', 'PriorityLevelConfiguration', 32,
      ['flowcontrol.apiserver.k8s.io/v1beta3', 'flowcontrol.apiserver.k8s.io/v1']],
    ['PodSecurityPolicy has nowhere to go on 1.25', 'policy/v1beta1', 'PodSecurityPolicy', 25, undefined],
  ])('%s', (_name, apiVersion, kind, minor, expected) => {
    const path = findConversionPath(apiVersion, kind, servedVersionsForMinor(minor));
    expect(path?.map((c) => c.to)).toEqual(expected);
  });
});

describe('conversions with field changes', () => {
  it('converts an extensions Ingress: backends, defaultBackend and pathType', () => {
    const out = convert(obj('extensions/v1beta1', 'Ingress', 'web', 'default', {
      spec: {
        backend: { serviceName: 'default-http', servicePort: 80 },
        rules: [{ host: 'a.example.com', http: { paths: [
          { path: '/', backend: { serviceName: 'web', servicePort: 'http' } },
          { path: '/api', pathType: 'Prefix', backend: { serviceName: 'api', servicePort: '8080' } },
        ] } }],
      },
    }), 22);
    expect(out.object).toEqual(obj('networking.k8s.io/v1', 'Ingress', 'web', 'default', {
      spec: {
        defaultBackend: { service: { name: 'default-http', port: { number: 80 } } },
        rules: [{ host: 'a.example.com', http: { paths: [
          { path: '/', pathType: 'ImplementationSpecific', backend: { service: { name: 'web', port: { name: 'http' } } } },
          { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 8080 } } } },
        ] } }],
      },
    }));
    expect(out.errors).toEqual([]);
  });

  it('reports an Ingress backend with no service and no resource', () => {
    const out = convert(obj('networking.k8s.io/v1beta1', 'Ingress', 'web', 'default', { spec: { rules: [{ http: { paths: [{ path: '/', backend: {} }] } }] } }), 22);
    expect(out.errors).toEqual([expect.stringContaining('spec.rules[0].http.paths[0].backend')]);
  });

  it('converts an extensions Deployment, deriving the selector and writing out the old defaults', () => {
    const out = convert(obj('extensions/v1beta1', 'Deployment', 'web', 'default', { spec: { replicas: 2, rollbackTo: { revision: 1 }, template } }), 16);
    expect(out.object).toEqual(obj('apps/v1', 'Deployment', 'web', 'default', { spec: {
      replicas: 2, template, selector: { matchLabels: { app: 'web' } }, revisionHistoryLimit: 2147483647, progressDeadlineSeconds: 2147483647,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } },
    } }));
    expect(out.warnings).toEqual([expect.stringContaining('rollbackTo')]);
  });

  it('keeps an explicit selector and strategy of an extensions Deployment', () => {
    const spec = { selector: { matchLabels: { tier: 'x' } }, template, revisionHistoryLimit: 5, progressDeadlineSeconds: 60, strategy: { type: 'Recreate' } };
    expect(convert(obj('extensions/v1beta1', 'Deployment', 'web', 'default', { spec }), 16).object.spec).toEqual(spec);
  });

  it('gives an extensions DaemonSet its old OnDelete strategy and drops templateGeneration', () => {
    const out = convert(obj('extensions/v1beta1', 'DaemonSet', 'agent', 'kube-system', { spec: { templateGeneration: 3, template } }), 16);
    expect(out.object.spec).toEqual({ template, selector: { matchLabels: { app: 'web' } }, updateStrategy: { type: 'OnDelete' } });
  });

  it('gives an apps/v1beta1 StatefulSet its old OnDelete strategy', () => {
    const out = convert(obj('apps/v1beta1', 'StatefulSet', 'db', 'default', { spec: { serviceName: 'db', template } }), 16);
    expect(out.object.spec).toMatchObject({ updateStrategy: { type: 'OnDelete' }, selector: { matchLabels: { app: 'web' } } });
  });

  it('reports a workload with neither a selector nor template labels', () => {
    const out = convert(obj('apps/v1beta2', 'ReplicaSet', 'rs', 'default', { spec: { template: { spec: {} } } }), 16);
    expect(out.errors).toEqual([expect.stringContaining('requires a selector')]);
  });

  it('removes an empty PodDisruptionBudget selector, which would select every pod in policy/v1', () => {
    const out = convert(obj('policy/v1beta1', 'PodDisruptionBudget', 'pdb', 'default', { spec: { minAvailable: 1, selector: {} } }), 25);
    expect(out.object).toEqual(obj('policy/v1', 'PodDisruptionBudget', 'pdb', 'default', { spec: { minAvailable: 1 } }));
    expect(out.warnings).toHaveLength(1);
  });

  it('keeps a PodDisruptionBudget selector that selects something', () => {
    const spec = { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } };
    expect(convert(obj('policy/v1beta1', 'PodDisruptionBudget', 'pdb', 'default', { spec }), 25).object.spec).toEqual(spec);
  });

  it('moves batch/v1beta1 CronJob to batch/v1 unchanged', () => {
    const spec = { schedule: '*/5 * * * *', jobTemplate: { spec: { template } } };
    expect(convert(obj('batch/v1beta1', 'CronJob', 'tick', 'default', { spec }), 25).object).toEqual(obj('batch/v1', 'CronJob', 'tick', 'default', { spec }));
  });

  it('converts every kind of autoscaling/v2beta1 metric to the v2 shape', () => {
    const out = convert(obj('autoscaling/v2beta1', 'HorizontalPodAutoscaler', 'web', 'default', { spec: { minReplicas: 1, maxReplicas: 5, metrics: [
      { type: 'Resource', resource: { name: 'cpu', targetAverageUtilization: 80 } },
      { type: 'Resource', resource: { name: 'memory', targetAverageValue: '500Mi' } },
      { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } },
      { type: 'Object', object: { target: { kind: 'Ingress', name: 'main' }, metricName: 'rps', targetValue: '2k' } },
      { type: 'External', external: { metricName: 'queue', metricSelector: { matchLabels: { q: 'a' } }, targetAverageValue: '30' } },
    ] } }), 25);
    expect(out.object.apiVersion).toBe('autoscaling/v2');
    expect((out.object.spec as { metrics: unknown }).metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
      { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
      { type: 'Object', object: { describedObject: { kind: 'Ingress', name: 'main' }, metric: { name: 'rps' }, target: { type: 'Value', value: '2k' } } },
      { type: 'External', external: { metric: { name: 'queue', selector: { matchLabels: { q: 'a' } } }, target: { type: 'AverageValue', averageValue: '30' } } },
    ]);
  });

  it('converts a v1beta1 CustomResourceDefinition: versions, schema, columns, scope, conversion webhook', () => {
    const out = convert(obj('apiextensions.k8s.io/v1beta1', 'CustomResourceDefinition', 'widgets.example.com', undefined, { spec: {
      group: 'example.com', version: 'v1', names: { kind: 'Widget', plural: 'widgets' }, preserveUnknownFields: false,
      validation: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } },
      subresources: { status: {} },
      additionalPrinterColumns: [{ name: 'Age', type: 'date', JSONPath: '.metadata.creationTimestamp' }],
      conversion: { strategy: 'Webhook', webhookClientConfig: { service: { namespace: 'sys', name: 'conv' } } },
    } }), 22);
    expect(out.object).toEqual(obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', undefined, { spec: {
      group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } },
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }] }],
      conversion: { strategy: 'Webhook', webhook: { clientConfig: { service: { namespace: 'sys', name: 'conv' } }, conversionReviewVersions: ['v1beta1'] } },
    } }));
  });

  it('turns a v1beta1 CRD that preserved unknown fields into a v1 schema that does, with a warning', () => {
    const out = convert(obj('apiextensions.k8s.io/v1beta1', 'CustomResourceDefinition', 'a.example.com', undefined, { spec: {
      group: 'example.com', scope: 'Cluster', names: { kind: 'A', plural: 'as' }, versions: [{ name: 'v1', served: true, storage: true }],
    } }), 22);
    expect((out.object.spec as { versions: unknown }).versions).toEqual([{ name: 'v1', served: true, storage: true,
      schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }]);
    expect(out.warnings).toEqual([expect.stringContaining('no schema')]);
  });

  it('writes out the v1beta1 webhook defaults and rejects side effects v1 does not accept', () => {
    const out = convert(obj('admissionregistration.k8s.io/v1beta1', 'ValidatingWebhookConfiguration', 'policy', undefined, { webhooks: [
      { name: 'a.example.com', sideEffects: 'None', clientConfig: { url: 'https://x' } },
      { name: 'b.example.com', clientConfig: { url: 'https://y' } },
    ] }), 22);
    expect(out.object.webhooks).toEqual([
      { name: 'a.example.com', sideEffects: 'None', clientConfig: { url: 'https://x' }, failurePolicy: 'Ignore', matchPolicy: 'Exact', timeoutSeconds: 30, admissionReviewVersions: ['v1beta1'] },
      { name: 'b.example.com', clientConfig: { url: 'https://y' }, failurePolicy: 'Ignore', matchPolicy: 'Exact', timeoutSeconds: 30, admissionReviewVersions: ['v1beta1'] },
    ]);
    expect(out.errors).toEqual([expect.stringContaining('webhooks[1].sideEffects is Unknown')]);
  });

  it('moves EndpointSlice topology to nodeName and zone', () => {
    const out = convert(obj('discovery.k8s.io/v1beta1', 'EndpointSlice', 'ext', 'default', { addressType: 'IPv4', endpoints: [
      { addresses: ['10.0.0.1'], topology: { 'kubernetes.io/hostname': 'n1', 'topology.kubernetes.io/zone': 'z1' } },
    ] }), 25);
    expect(out.object.endpoints).toEqual([{ addresses: ['10.0.0.1'], nodeName: 'n1', zone: 'z1' }]);
  });

  it('renames assuredConcurrencyShares and turns a v1beta3 zero into v1\'s 30', () => {
    const out = convert(obj('flowcontrol.apiserver.k8s.io/v1beta2', 'PriorityLevelConfiguration', 'p', undefined, {
      spec: { type: 'Limited', limited: { assuredConcurrencyShares: 0 } } }), 32);
    expect(out.object).toEqual(obj('flowcontrol.apiserver.k8s.io/v1', 'PriorityLevelConfiguration', 'p', undefined, {
      spec: { type: 'Limited', limited: { nominalConcurrencyShares: 30 } } }));
  });

  it('fills the usages of a CSR and refuses the legacy signer', () => {
    const out = convert(obj('certificates.k8s.io/v1beta1', 'CertificateSigningRequest', 'csr', undefined, { spec: { request: 'x' } }), 22);
    expect(out.object.spec).toEqual({ request: 'x', usages: ['digital signature', 'key encipherment'] });
    expect(out.errors).toEqual([expect.stringContaining('legacy-unknown')]);
  });
});
