import { describe, expect, it } from 'vitest';
import { skipNonRestorable } from '../../../../lib/restore/stages/skip-non-restorable.js';
import { itemOf, obj } from '../fixtures.js';

describe('skip-non-restorable stage', () => {
  it.each([
    ['a Node is never restored', obj('v1', 'Node', 'n1', undefined), true],
    ['an Event is never restored', obj('v1', 'Event', 'e1', 'default'), true],
    ['an events.k8s.io Event is never restored', obj('events.k8s.io/v1', 'Event', 'e1', 'default'), true],
    ['a VolumeAttachment is never restored', obj('storage.k8s.io/v1', 'VolumeAttachment', 'va', undefined), true],
    ['a service-account token Secret is skipped', obj('v1', 'Secret', 'default-token-abc', 'default', { type: 'kubernetes.io/service-account-token' }), true],
    ['an opaque Secret is restored', obj('v1', 'Secret', 'creds', 'default', { type: 'Opaque' }), false],
    ['an EndpointSlice managed by the controller is skipped', obj('discovery.k8s.io/v1', 'EndpointSlice', 'web-abc', 'default', {},
      { labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } }), true],
    ['a hand-written EndpointSlice is restored', obj('discovery.k8s.io/v1', 'EndpointSlice', 'ext', 'default'), false],
    ['a Deployment is restored', obj('apps/v1', 'Deployment', 'web', 'default'), false],
    ['the root CA the controller manager publishes into a namespace is skipped', obj('v1', 'ConfigMap', 'kube-root-ca.crt', 'app', { data: { 'ca.crt': 'x' } }), true],
    ['a ConfigMap of the application is restored', obj('v1', 'ConfigMap', 'nginx-settings', 'app', { data: {} }), false],
  ])('%s', (_name, object, skipped) => {
    expect('skip' in skipNonRestorable(itemOf(object))).toBe(skipped);
  });
});
