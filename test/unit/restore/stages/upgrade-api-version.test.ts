import { describe, expect, it } from 'vitest';
import { servedVersionsForMinor } from '../../../../lib/restore/api-versions/kubernetes-versions.js';
import { upgradeApiVersion } from '../../../../lib/restore/stages/upgrade-api-version.js';
import { contextWith, frozen, itemOf, obj } from '../fixtures.js';

const ingress = frozen(obj('extensions/v1beta1', 'Ingress', 'web', 'default', { spec: { backend: { serviceName: 'web', servicePort: 80 } } }));

describe('api-version stage', () => {
  it('converts an object the target does not serve and updates its groupResource', () => {
    const result = upgradeApiVersion(itemOf(ingress), contextWith({}, { served: servedVersionsForMinor(22) }));
    if ('skip' in result) throw new Error('skipped');
    expect(result.item.object.apiVersion).toBe('networking.k8s.io/v1');
    expect(result.item.groupResource).toBe('ingresses.networking.k8s.io');
    expect(result.item.original).toBe(ingress);
    expect(result.warnings).toEqual([expect.stringContaining('converted from extensions/v1beta1 to networking.k8s.io/v1')]);
  });

  it.each([
    ['a target that still serves the version leaves the object alone', 21],
    ['no target information leaves the object alone', undefined],
  ])('%s', (_name, minor) => {
    const item = itemOf(ingress);
    const result = upgradeApiVersion(item, contextWith({}, minor ? { served: servedVersionsForMinor(minor) } : {}));
    expect(result).toEqual({ item });
  });

  it('skips a PodSecurityPolicy with a warning where Kubernetes removed the kind', () => {
    const psp = obj('policy/v1beta1', 'PodSecurityPolicy', 'restricted', undefined, { spec: {} });
    const result = upgradeApiVersion(itemOf(psp), contextWith({}, { served: servedVersionsForMinor(25) }));
    expect(result).toEqual({ skip: expect.stringContaining('removed in Kubernetes 1.25'), warning: true });
  });

  it('keeps a custom resource of a group the target does not list, without a warning', () => {
    const item = itemOf(obj('example.com/v1', 'Widget', 'w', 'default'));
    expect(upgradeApiVersion(item, contextWith({}, { served: servedVersionsForMinor(30) }))).toEqual({ item });
  });

  it('warns about a version a discovered target lacks when no conversion exists', () => {
    const item = itemOf(obj('example.com/v1alpha1', 'Widget', 'w', 'default'));
    const served = { source: 'discovery', groups: { 'example.com': { preferredVersion: 'v1', versions: { v1: ['Widget'] } } } };
    const result = upgradeApiVersion(item, contextWith({}, { served }));
    expect(result).toEqual({ item, warnings: [expect.stringContaining('knows no conversion')] });
  });
});
