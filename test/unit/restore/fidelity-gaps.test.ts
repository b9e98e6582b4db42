import { describe, expect, it } from 'vitest';
import { cloneJson } from '../../../lib/model/object.js';
import { jobAction } from '../../../lib/restore/actions/job.js';
import { serviceAction } from '../../../lib/restore/actions/service.js';
import { servedVersionsForMinor } from '../../../lib/restore/api-versions/kubernetes-versions.js';
import { servedVersionsFromDiscovery } from '../../../lib/restore/api-versions/served-versions.js';
import { skipNonRestorable } from '../../../lib/restore/stages/skip-non-restorable.js';
import { upgradeApiVersion } from '../../../lib/restore/stages/upgrade-api-version.js';
import { contextWith, itemOf, obj } from './fixtures.js';

// The gaps a server-side dry run of real-world manifests into a fresh 1.35 target found (issue 20).

const oldJob = obj('extensions/v1beta1', 'Job', 'pi', 'default', {
  spec: { autoSelector: true, selector: { matchLabels: { app: 'pi' } }, template: { metadata: { labels: { app: 'pi' } }, spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never' } } },
});

describe('an extensions/v1beta1 Job', () => {
  it.each([
    ['offline, with the target version given', { served: servedVersionsForMinor(35) }],
    ['from the target\'s discovery', { served: servedVersionsFromDiscovery([{ group: 'batch', version: 'v1', kinds: ['Job', 'CronJob'], preferred: true }, { group: 'extensions', version: 'v1beta1', kinds: ['Ingress'] }]) }],
  ])('is converted to batch/v1 without autoSelector, %s', (_case, context) => {
    const result = upgradeApiVersion(itemOf(oldJob), contextWith({}, context));
    if ('skip' in result) throw new Error(`skipped: ${result.skip}`);
    expect(result.item.object.apiVersion).toBe('batch/v1');
    expect(result.item.groupResource).toBe('jobs.batch');
    expect((result.item.object.spec as Record<string, unknown>).autoSelector).toBeUndefined();
    expect(result.warnings).toEqual([expect.stringContaining('converted from extensions/v1beta1 to batch/v1'), expect.stringContaining('spec.autoSelector was removed')]);
  });

  it('then loses its selector to the job action, so that the target generates one that selects the template\'s pods', () => {
    const result = upgradeApiVersion(itemOf(oldJob), contextWith({}, { served: servedVersionsForMinor(35) }));
    if ('skip' in result) throw new Error('skipped');
    const copy = cloneJson(result.item.object);
    jobAction.run(copy, contextWith({}));
    expect(copy.spec).toEqual({ template: { metadata: { labels: { app: 'pi' } }, spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never' } } });
  });
});

describe('a mirror pod', () => {
  it.each([
    ['a mirror pod (kubernetes.io/config.mirror) is skipped, with the reason', { 'kubernetes.io/config.mirror': 'abc123' }, /mirror pod is the kubelet's copy of a static pod/],
    ['a pod without the annotation is restored', {}, undefined],
  ])('%s', (_case, annotations, reason) => {
    const pod = obj('v1', 'Pod', 'etcd-node1', 'kube-system', { spec: { containers: [] } }, { annotations });
    const result = skipNonRestorable(itemOf(pod));
    if (reason) expect(result).toEqual({ skip: expect.stringMatching(reason) });
    else expect(result).not.toHaveProperty('skip');
  });
});

describe('a Service asking for dual stack', () => {
  const run = (spec: Record<string, unknown>) => {
    const copy = cloneJson(obj('v1', 'Service', 'web', 'default', { spec }));
    const outcome = serviceAction.run(copy, contextWith({}));
    return { spec: copy.spec, warnings: outcome ? outcome.warnings ?? [] : [] };
  };
  it.each([
    ['RequireDualStack with two families asks for PreferDualStack with none', { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] }, { ipFamilyPolicy: 'PreferDualStack' }, 1],
    ['PreferDualStack with two families keeps the policy and leaves the families to the target', { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6', 'IPv4'] }, { ipFamilyPolicy: 'PreferDualStack' }, 1],
    ['RequireDualStack with no families asks for PreferDualStack', { ipFamilyPolicy: 'RequireDualStack' }, { ipFamilyPolicy: 'PreferDualStack' }, 1],
    ['a single-stack Service is left as it is', { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] }, { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] }, 0],
  ])('%s', (_case, spec, expected, warnings) => {
    const result = run({ type: 'ClusterIP', clusterIP: '10.0.0.5', clusterIPs: ['10.0.0.5', 'fd00::5'], ...spec });
    expect(result.spec).toEqual({ type: 'ClusterIP', ...expected });
    expect(result.warnings).toHaveLength(warnings);
  });
});

describe('API versions removed long ago, with only the target version given offline', () => {
  it.each([
    ['InitializerConfiguration (admissionregistration.k8s.io/v1alpha1)', obj('admissionregistration.k8s.io/v1alpha1', 'InitializerConfiguration', 'init', undefined), /removed in Kubernetes 1\.14/],
    ['PodPreset (settings.k8s.io/v1alpha1)', obj('settings.k8s.io/v1alpha1', 'PodPreset', 'preset', 'default'), /PodPreset was removed in Kubernetes 1\.20/],
    ['ThirdPartyResource (extensions/v1beta1)', obj('extensions/v1beta1', 'ThirdPartyResource', 'tpr', undefined), /removed in Kubernetes 1\.8/],
  ])('skips %s with a warning that says it was removed', (_case, object, reason) => {
    expect(upgradeApiVersion(itemOf(object), contextWith({}, { served: servedVersionsForMinor(35) }))).toEqual({ skip: expect.stringMatching(reason), warning: true });
  });

  it('converts a batch/v2alpha1 CronJob to batch/v1', () => {
    const result = upgradeApiVersion(itemOf(obj('batch/v2alpha1', 'CronJob', 'nightly', 'default', { spec: { schedule: '@daily' } })), contextWith({}, { served: servedVersionsForMinor(35) }));
    if ('skip' in result) throw new Error('skipped');
    expect(result.item.object.apiVersion).toBe('batch/v1');
  });

  it('still keeps a custom resource of a group the table does not know, without a warning', () => {
    const item = itemOf(obj('example.com/v1', 'Widget', 'w', 'default'));
    expect(upgradeApiVersion(item, contextWith({}, { served: servedVersionsForMinor(35) }))).toEqual({ item });
  });
});
