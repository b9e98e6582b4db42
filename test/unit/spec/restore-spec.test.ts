import { describe, expect, it } from 'vitest';
import { parseRestoreSpec, parseRestoreSpecText } from '../../../lib/spec/restore-spec.js';
import { problemsOf } from '../../support/problems.js';

// The seed article's ApplicationRestore, placeholders filled in.
const SEED_RESTORE = `apiVersion: csdr.alibabacloud.com/v1beta1
kind: ApplicationRestore
metadata:
  name: nginx-restore
  namespace: csdr
spec:
  backupName: nginx-backup
  namespaceMapping:
    default: default1
  imageRegistryMapping:
    anolis-registry.cn-zhangjiakou.cr.aliyuncs.com/openanolis: registry.cn-beijing.aliyuncs.com/ferry-demo
  resourceModifier:
    kind: ConfigMap
    name: nginx-backup-resource-modifier
`;

function base(spec: Record<string, unknown>, apiVersion = 'ferry.dev/v1', kind = 'ApplicationRestore'): unknown {
  return { apiVersion, kind, metadata: { name: 'r1' }, spec: { backupName: 'b1', ...spec } };
}

describe('parseRestoreSpecText', () => {
  it('accepts the seed ApplicationRestore as it is and reads its mappings and modifier reference', () => {
    const spec = parseRestoreSpecText(SEED_RESTORE, 'restore.yaml');
    expect(spec).toMatchObject({
      kind: 'ApplicationRestore', name: 'nginx-restore', namespace: 'csdr', backupName: 'nginx-backup',
      namespaceMapping: { default: 'default1' },
      imageRegistryMapping: { 'anolis-registry.cn-zhangjiakou.cr.aliyuncs.com/openanolis': 'registry.cn-beijing.aliyuncs.com/ferry-demo' },
      resourceModifier: { kind: 'ConfigMap', name: 'nginx-backup-resource-modifier' },
      existingResourcePolicy: 'none', preserveNodePorts: false, dryRun: false,
    });
  });

  it('reports the line and column of a problem, even under a map key that holds dots', () => {
    const text = SEED_RESTORE.replace('registry.cn-beijing.aliyuncs.com/ferry-demo', 'bad prefix');
    const [problem] = problemsOf(() => parseRestoreSpecText(text, 'restore.yaml'));
    expect(problem).toMatchObject({
      document: 'restore.yaml', path: 'spec.imageRegistryMapping.anolis-registry.cn-zhangjiakou.cr.aliyuncs.com/openanolis', line: 11, column: 5,
    });
  });

  it('rejects a file with two restore documents', () => {
    const problems = problemsOf(() => parseRestoreSpecText(`${SEED_RESTORE}---\n${SEED_RESTORE}`, 'two.yaml'));
    expect(problems[0]!.message).toMatch(/exactly one/);
  });
});

describe('parseRestoreSpec', () => {
  it.each([
    ['a Velero Restore with its own fields', base({ restorePVs: true, itemOperationTimeout: '4h', hooks: {}, uploaderConfig: { writeSparseFiles: true } }, 'velero.io/v1', 'Restore')],
    ['a ferry.dev ApplicationRestore with every Ferry field', base({
      includedNamespaces: ['default', 'team-*'], excludedNamespaces: ['kube-system'], includedResources: ['*'],
      excludedResources: ['secrets'], includeClusterResources: false, orLabelSelectors: [{ matchLabels: { app: 'a' } }],
      storageClassMapping: { 'alicloud-disk-ssd': 'gp3' }, serviceAnnotations: { set: { 'service.beta.kubernetes.io/x': 'y' }, remove: ['a/b'] },
      ingressAnnotations: { remove: ['kubernetes.io/ingress.class'] }, ingressClassMapping: { nginx: 'alb' },
      preserveNodePorts: true, restoreStatus: { includedResources: ['deployments.apps'] }, existingResourcePolicy: 'update',
      targetCluster: 'ack-prod', dryRun: true, flexVolumeDrivers: { 'acme/disk': { driver: 'disk.csi.acme.io', volumeHandleOption: 'volumeId' } },
    })],
    ['a restore with inline resource-modifier rules', base({ resourceModifier: { version: 'v1', resourceModifierRules: [] } })],
    ['a Velero Restore that names a schedule instead of a backup', { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: 'r' }, spec: { scheduleName: 'daily' } }],
  ])('accepts %s', (_name, doc) => {
    expect(() => parseRestoreSpec(doc, 'doc')).not.toThrow();
  });

  it.each([
    ['an unknown spec field is reported with its path', base({ namespaceMappings: {} }), 'spec.namespaceMappings', /unknown field/],
    ['an unknown top-level field is reported', { ...(base({}) as object), extra: 1 }, 'extra', /unknown field/],
    ['a kind from another API is rejected', base({}, 'velero.io/v1', 'ApplicationRestore'), 'kind', /expected one of/],
    ['a restore without a name is rejected', { apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: {}, spec: { backupName: 'b' } }, 'metadata.name', /required/],
    ['a restore without backupName or scheduleName is rejected', { apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name: 'r' }, spec: {} }, 'spec.backupName', /required/],
    ['both backupName and scheduleName are rejected', base({ scheduleName: 's' }), 'spec.scheduleName', /not both/],
    ['a namespace mapping to an invalid name is rejected', base({ namespaceMapping: { default: 'Default_1' } }), 'spec.namespaceMapping.default', /namespace name/],
    ['a boolean written as a string is rejected', base({ preserveNodePorts: 'true' }), 'spec.preserveNodePorts', /true or false/],
    ['an unknown existing-resource policy is rejected', base({ existingResourcePolicy: 'replace' }), 'spec.existingResourcePolicy', /"none" or "update"/],
    ['a resource modifier of another kind is rejected', base({ resourceModifier: { kind: 'Secret', name: 'x' } }), 'spec.resourceModifier.kind', /ConfigMap/],
    ['a resource modifier without a name is rejected', base({ resourceModifier: { kind: 'ConfigMap' } }), 'spec.resourceModifier.name', /required/],
    ['labelSelector with orLabelSelectors is rejected', base({ labelSelector: { matchLabels: { a: 'b' } }, orLabelSelectors: [] }), 'spec.orLabelSelectors', /not both/],
    ['a resource both included and excluded is rejected', base({ includedResources: ['pods'], excludedResources: ['pods'] }), 'spec.excludedResources[0]', /both included and excluded/],
    ['"*" with other namespaces is rejected', base({ includedNamespaces: ['*', 'a'] }), 'spec.includedNamespaces', /"\*" alone/],
    ['an excluded "*" is rejected', base({ excludedNamespaces: ['*'] }), 'spec.excludedNamespaces[0]', /cannot be excluded/],
    ['a non-restorable resource in includedResources is rejected', base({ includedResources: ['nodes'] }), 'spec.includedResources[0]', /cannot be restored/],
    ['a malformed namespace glob is rejected', base({ includedNamespaces: ['team-[a'] }), 'spec.includedNamespaces[0]', /pattern/],
    ['an annotation both set and removed is rejected', base({ serviceAnnotations: { set: { a: '1' }, remove: ['a'] } }), 'spec.serviceAnnotations.remove[0]', /both set and removed/],
    ['an invalid annotation key is rejected', base({ ingressAnnotations: { set: { 'bad key': '1' } } }), 'spec.ingressAnnotations.set.bad key', /key/],
    ['a FlexVolume mapping without a CSI driver is rejected', base({ flexVolumeDrivers: { 'acme/disk': {} } }), 'spec.flexVolumeDrivers.acme/disk.driver', /required/],
    ['a malformed operation timeout is rejected', base({ itemOperationTimeout: '4 hours' }), 'spec.itemOperationTimeout', /duration/],
    ['an unknown field in restoreStatus is rejected', base({ restoreStatus: { included: [] } }), 'spec.restoreStatus.included', /unknown field/],
  ])('%s', (_name, doc, path, message) => {
    const problems = problemsOf(() => parseRestoreSpec(doc, 'doc'));
    expect(problems).toContainEqual(expect.objectContaining({ document: 'doc', path, message: expect.stringMatching(message) }));
  });

  it('reports every problem of a document at once, not just the first', () => {
    const problems = problemsOf(() => parseRestoreSpec(base({
      namespaceMapping: { a: 'B' }, preserveNodePorts: 1, unknownThing: true, existingResourcePolicy: 'x',
    }), 'doc'));
    expect(problems.map((p) => p.path).sort()).toEqual([
      'spec.existingResourcePolicy', 'spec.namespaceMapping.a', 'spec.preserveNodePorts', 'spec.unknownThing',
    ]);
  });
});
