import { describe, expect, it } from 'vitest';
import { apiServerObjectReason } from '../../../../lib/restore/stages/api-server-objects.js';
import { skipNonRestorable } from '../../../../lib/restore/stages/skip-non-restorable.js';
import { itemOf, obj } from '../fixtures.js';

const rbacDefaults = { labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } };

describe('the API server\'s own objects', () => {
  it.each([
    ['the `kubernetes` Service in default is the API server\'s own', obj('v1', 'Service', 'kubernetes', 'default', { spec: { ports: [{ port: 443 }] } }), /API server's own Service/],
    ['its Endpoints are the source API server\'s addresses', obj('v1', 'Endpoints', 'kubernetes', 'default'), /own addresses/],
    ['its EndpointSlice, found by its service-name label, likewise', obj('discovery.k8s.io/v1', 'EndpointSlice', 'kubernetes', 'default', {},
      { labels: { 'kubernetes.io/service-name': 'kubernetes' } }), /own addresses/],
    ['the authentication ConfigMap the API server writes into kube-system', obj('v1', 'ConfigMap', 'extension-apiserver-authentication', 'kube-system'), /kube-system/],
    ['an API server\'s identity Lease', obj('coordination.k8s.io/v1', 'Lease', 'apiserver-abc', 'kube-system', {}, { labels: { 'apiserver.kubernetes.io/identity': 'kube-apiserver' } }), /identity lease/],
    ['a bootstrap Role in kube-system', obj('rbac.authorization.k8s.io/v1', 'Role', 'system:controller:token-cleaner', 'kube-system', {}, rbacDefaults), /default RBAC/],
    ['a bootstrap ClusterRole', obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'admin', undefined, {}, rbacDefaults), /default RBAC/],
    ['an auto-updated FlowSchema', obj('flowcontrol.apiserver.k8s.io/v1', 'FlowSchema', 'catch-all', undefined, {}, { annotations: { 'apf.kubernetes.io/autoupdate-spec': 'true' } }), /priority and fairness/],
    ['an automanaged APIService', obj('apiregistration.k8s.io/v1', 'APIService', 'v1.apps', undefined, {}, { labels: { 'kube-aggregator.kubernetes.io/automanaged': 'onstart' } }), /built-in APIs/],
    ['the `kubernetes` ServiceCIDR', obj('networking.k8s.io/v1', 'ServiceCIDR', 'kubernetes', undefined), /Service IP range/],
    ['an allocated Service IPAddress', obj('networking.k8s.io/v1', 'IPAddress', '10.96.0.1', undefined), /allocated/],
  ])('%s', (_name, object, reason) => {
    expect(apiServerObjectReason(itemOf(object))).toMatch(reason);
    expect(skipNonRestorable(itemOf(object))).toEqual({ skip: expect.stringMatching(reason) });
  });

  it.each([
    ['a Service named kubernetes in an application namespace', obj('v1', 'Service', 'kubernetes', 'app')],
    ['another Service in default', obj('v1', 'Service', 'nginx', 'default')],
    ['a ConfigMap of the application in kube-system', obj('v1', 'ConfigMap', 'my-settings', 'kube-system')],
    ['a user\'s Role', obj('rbac.authorization.k8s.io/v1', 'Role', 'reader', 'app')],
    ['a user\'s FlowSchema', obj('flowcontrol.apiserver.k8s.io/v1', 'FlowSchema', 'mine', undefined, {}, { annotations: { 'apf.kubernetes.io/autoupdate-spec': 'false' } })],
    ['an APIService of an aggregated API server', obj('apiregistration.k8s.io/v1', 'APIService', 'v1beta1.metrics.k8s.io', undefined)],
    ['a ServiceCIDR a user added', obj('networking.k8s.io/v1', 'ServiceCIDR', 'extra', undefined)],
  ])('%s is restored', (_name, object) => {
    expect(apiServerObjectReason(itemOf(object))).toBeUndefined();
    expect(skipNonRestorable(itemOf(object))).toHaveProperty('item');
  });
});
