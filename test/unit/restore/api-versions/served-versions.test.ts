import { describe, expect, it } from 'vitest';
import { compareVersions, servedVersionsFromDiscovery, servesKind } from '../../../../lib/restore/api-versions/served-versions.js';
import { parseKubernetesMinor, servedVersionsForMinor } from '../../../../lib/restore/api-versions/kubernetes-versions.js';

describe('compareVersions', () => {
  it('orders GA before beta before alpha, higher numbers first', () => {
    expect(['v1beta1', 'v1alpha1', 'v2beta2', 'v1', 'v2', 'v1beta2', 'v2beta1', 'other'].sort(compareVersions))
      .toEqual(['v2', 'v1', 'v2beta2', 'v2beta1', 'v1beta2', 'v1beta1', 'v1alpha1', 'other']);
  });
});

describe('servedVersionsForMinor', () => {
  it.each([
    [16, 'extensions/v1beta1', 'Deployment', false],
    [15, 'extensions/v1beta1', 'Deployment', 'error'],
    [21, 'extensions/v1beta1', 'Ingress', true],
    [22, 'extensions/v1beta1', 'Ingress', false],
    [22, 'networking.k8s.io/v1', 'Ingress', true],
    [24, 'policy/v1beta1', 'PodDisruptionBudget', true],
    [25, 'policy/v1beta1', 'PodDisruptionBudget', false],
    [25, 'policy/v1beta1', 'PodSecurityPolicy', false],
    [25, 'autoscaling/v2beta2', 'HorizontalPodAutoscaler', true],
    [26, 'autoscaling/v2beta2', 'HorizontalPodAutoscaler', false],
    [26, 'storage.k8s.io/v1beta1', 'CSIStorageCapacity', true],
    [27, 'storage.k8s.io/v1beta1', 'CSIStorageCapacity', false],
    [28, 'flowcontrol.apiserver.k8s.io/v1beta2', 'FlowSchema', true],
    [29, 'flowcontrol.apiserver.k8s.io/v1beta2', 'FlowSchema', false],
    [31, 'flowcontrol.apiserver.k8s.io/v1beta3', 'FlowSchema', true],
    [32, 'flowcontrol.apiserver.k8s.io/v1beta3', 'FlowSchema', false],
    [30, 'v1', 'Pod', undefined],
    [30, 'storage.k8s.io/v1beta1', 'VolumeAttributesClass', undefined],
    [30, 'example.com/v1', 'Widget', undefined],
  ])('Kubernetes 1.%i: %s %s served is %s', (minor, apiVersion, kind, expected) => {
    if (expected === 'error') {
      expect(() => servedVersionsForMinor(parseKubernetesMinor(`1.${minor}`))).toThrow(/1\.16 to 1\.35/);
      return;
    }
    expect(servesKind(servedVersionsForMinor(minor), apiVersion, kind)).toBe(expected);
  });

  it('prefers the highest served version of a group', () => {
    expect(servedVersionsForMinor(23).groups.autoscaling!.preferredVersion).toBe('v2');
    expect(servedVersionsForMinor(20).groups['networking.k8s.io']!.preferredVersion).toBe('v1');
  });

  it.each(['1.25', 'v1.25', '1.25.3'])('parses the target version %s', (v) => {
    expect(parseKubernetesMinor(v)).toBe(25);
  });

  it.each(['2.1', '1.x', '1.99', ''])('rejects the target version "%s"', (v) => {
    expect(() => parseKubernetesMinor(v)).toThrow(/expected a Kubernetes version/);
  });
});

describe('servedVersionsFromDiscovery', () => {
  const served = servedVersionsFromDiscovery([
    { group: 'apps', version: 'v1', kinds: ['Deployment'], preferred: true },
    { group: 'storage.k8s.io', version: 'v1', kinds: ['StorageClass'] },
    { group: 'example.com', version: 'v1' },
  ]);

  it('treats a kind absent from a discovered group as not served, since discovery lists groups whole', () => {
    expect(servesKind(served, 'storage.k8s.io/v1beta1', 'VolumeAttributesClass')).toBe(false);
  });

  it('treats a version listed without kinds as serving any kind', () => {
    expect(servesKind(served, 'example.com/v1', 'Widget')).toBe(true);
  });

  it('picks the highest version as preferred when discovery does not say', () => {
    expect(servedVersionsFromDiscovery([{ group: 'g', version: 'v1beta1' }, { group: 'g', version: 'v1' }]).groups.g!.preferredVersion).toBe('v1');
  });
});
