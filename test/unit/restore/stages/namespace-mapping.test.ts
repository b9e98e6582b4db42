import { describe, expect, it } from 'vitest';
import { mapNamespaces } from '../../../../lib/restore/stages/namespace-mapping.js';
import { addRestoreLabels, labelValueFor } from '../../../../lib/restore/stages/restore-labels.js';
import { contextWith, frozen, itemOf, keptObject, obj } from '../fixtures.js';

const ctx = contextWith({ namespaceMapping: { default: 'default1', ops: 'ops2' } });

describe('namespace mapping', () => {
  it.each([
    ['moves a namespaced object', obj('v1', 'ConfigMap', 'c', 'default'), { metadata: { name: 'c', namespace: 'default1' } }],
    ['leaves an object of an unmapped namespace where it is', obj('v1', 'ConfigMap', 'c', 'team'), { metadata: { name: 'c', namespace: 'team' } }],
    ['renames a Namespace object and its name label', obj('v1', 'Namespace', 'default', undefined, {}, { labels: { 'kubernetes.io/metadata.name': 'default' } }),
      { metadata: { name: 'default1', labels: { 'kubernetes.io/metadata.name': 'default1' } } }],
    ['maps ServiceAccount subjects of a ClusterRoleBinding', obj('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'b', undefined, {
      subjects: [{ kind: 'ServiceAccount', name: 'app', namespace: 'default' }, { kind: 'User', name: 'alice' }] }),
      { subjects: [{ kind: 'ServiceAccount', name: 'app', namespace: 'default1' }, { kind: 'User', name: 'alice' }] }],
    ['maps a PersistentVolume claimRef', obj('v1', 'PersistentVolume', 'pv', undefined, { spec: { claimRef: { namespace: 'default', name: 'www-web-0' } } }),
      { spec: { claimRef: { namespace: 'default1', name: 'www-web-0' } } }],
    ['maps the namespaces of a pod affinity term', obj('apps/v1', 'Deployment', 'd', 'default', { spec: { template: { spec: { affinity: { podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { topologyKey: 'k', namespaces: ['ops', 'x'] } }] } } } } } }),
      { spec: { template: { spec: { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 1, podAffinityTerm: { topologyKey: 'k', namespaces: ['ops2', 'x'] } }] } } } } } }],
    ['maps a NetworkPolicy namespace selector on the name label', obj('networking.k8s.io/v1', 'NetworkPolicy', 'np', 'default', { spec: { ingress: [{ from: [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } } },
      { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['default', 'y'] }] } }] }] } }),
      { spec: { ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops2' } } },
        { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['default1', 'y'] }] } }] }] } }],
    ['maps a webhook\'s service namespace', obj('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'w', undefined, {
      webhooks: [{ name: 'a', clientConfig: { service: { namespace: 'ops', name: 'hook' } } }] }),
      { webhooks: [{ name: 'a', clientConfig: { service: { namespace: 'ops2', name: 'hook' } } }] }],
  ])('%s', (_name, object, expected) => {
    expect(keptObject(mapNamespaces(itemOf(frozen(object)), ctx))).toMatchObject(expected);
  });

  it('moves an object by its namespace in the backup, even if an earlier stage changed metadata.namespace', () => {
    const item = itemOf(obj('v1', 'ConfigMap', 'c', 'default'));
    const moved = { ...item, object: { ...item.object, metadata: { ...item.object.metadata, namespace: 'elsewhere' } } };
    expect(keptObject(mapNamespaces(moved, ctx)).metadata.namespace).toBe('default1');
  });
});

describe('restore labels', () => {
  it('adds the backup and restore names beside the existing labels', () => {
    const out = keptObject(addRestoreLabels(itemOf(frozen(obj('v1', 'ConfigMap', 'c', 'default', {}, { labels: { app: 'nginx' } }))),
      contextWith({}, { backupName: 'nginx-backup', restoreName: 'nginx-restore' })));
    expect(out.metadata.labels).toEqual({ app: 'nginx', 'velero.io/backup-name': 'nginx-backup', 'velero.io/restore-name': 'nginx-restore' });
  });

  it.each([
    ['a name of 63 characters stays as it is', 'a'.repeat(63), 'a'.repeat(63)],
    ['a longer name keeps 57 characters and gains 6 hex digits of its SHA-256', `${'a'.repeat(64)}-x`, `${'a'.repeat(57)}0a429d`],
  ])('%s', (_name, name, expected) => {
    expect(labelValueFor(name)).toBe(expected);
  });
});
