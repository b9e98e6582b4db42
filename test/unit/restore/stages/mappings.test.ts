import { describe, expect, it } from 'vitest';
import { compileImageMapping, mapImageRegistries } from '../../../../lib/restore/stages/image-registry-mapping.js';
import { rewriteNetworking } from '../../../../lib/restore/stages/network-rewrites.js';
import { mapStorageClasses } from '../../../../lib/restore/stages/storage-class-mapping.js';
import { contextWith, frozen, itemOf, keptObject, obj } from '../fixtures.js';

describe('image registry mapping', () => {
  const mapping = {
    'anolis-registry.cn-zhangjiakou.cr.aliyuncs.com/openanolis': 'registry.cn-beijing.aliyuncs.com/ferry-demo',
    'anolis-registry.cn-zhangjiakou.cr.aliyuncs.com': 'mirror.example.com',
    'docker.io/library': 'mirror.example.com/hub',
    'quay.io/': 'quay-mirror.example.com/',
  };

  it.each([
    ['the seed image maps by its longest prefix', 'anolis-registry.cn-zhangjiakou.cr.aliyuncs.com/openanolis/nginx:1.14.1-8.6', 'registry.cn-beijing.aliyuncs.com/ferry-demo/nginx:1.14.1-8.6'],
    ['a shorter prefix maps what the longer one does not', 'anolis-registry.cn-zhangjiakou.cr.aliyuncs.com/other/app:1', 'mirror.example.com/other/app:1'],
    ['a prefix matches only at a path boundary', 'anolis-registry.cn-zhangjiakou.cr.aliyuncs.com/openanolis2/x:1', 'mirror.example.com/openanolis2/x:1'],
    ['a digest reference keeps its digest', 'anolis-registry.cn-zhangjiakou.cr.aliyuncs.com/openanolis/nginx@sha256:abc', 'registry.cn-beijing.aliyuncs.com/ferry-demo/nginx@sha256:abc'],
    ['a Docker Hub short name matches a docker.io prefix', 'nginx:1.25', 'mirror.example.com/hub/nginx:1.25'],
    ['a prefix ending in a slash matches anything below it', 'quay.io/prometheus/node-exporter:v1', 'quay-mirror.example.com/prometheus/node-exporter:v1'],
    ['an image no prefix matches is unchanged', 'gcr.io/distroless/static:nonroot', 'gcr.io/distroless/static:nonroot'],
  ])('%s', (_name, image, expected) => {
    expect(compileImageMapping(mapping)(image)).toBe(expected);
  });

  it.each([
    ['Pod', 'v1', { spec: { containers: [{ name: 'c', image: 'nginx:1' }] } }, ['spec', 'containers', 0]],
    ['CronJob', 'batch/v1', { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } } } } },
      ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 0]],
    ['DaemonSet init containers', 'apps/v1', { spec: { template: { spec: { initContainers: [{ name: 'i', image: 'nginx:1' }], containers: [] } } } },
      ['spec', 'template', 'spec', 'initContainers', 0]],
    ['Pod ephemeral containers', 'v1', { spec: { containers: [], ephemeralContainers: [{ name: 'e', image: 'nginx:1' }] } }, ['spec', 'ephemeralContainers', 0]],
  ])('maps the images of a %s', (kind, apiVersion, rest, path) => {
    const object = frozen(obj(apiVersion, kind.split(' ')[0]!, 'x', 'default', rest));
    let node: unknown = keptObject(mapImageRegistries(itemOf(object), contextWith({ imageRegistryMapping: { 'docker.io/library': 'm.example.com/lib' } })));
    for (const step of path) node = (node as Record<string | number, unknown>)[step];
    expect((node as { image: string }).image).toBe('m.example.com/lib/nginx:1');
  });
});

describe('storage class mapping', () => {
  const ctx = contextWith({ storageClassMapping: { 'alicloud-disk-topology-alltype': 'gp3' } });

  it.each([
    ['a claim\'s storageClassName', obj('v1', 'PersistentVolumeClaim', 'c', 'default', { spec: { storageClassName: 'alicloud-disk-topology-alltype' } }),
      { spec: { storageClassName: 'gp3' } }],
    ['a claim\'s legacy annotation', obj('v1', 'PersistentVolumeClaim', 'c', 'default', { spec: {} }, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'alicloud-disk-topology-alltype' } }),
      { metadata: { annotations: { 'volume.beta.kubernetes.io/storage-class': 'gp3' } } }],
    ['a volume\'s storageClassName', obj('v1', 'PersistentVolume', 'pv', undefined, { spec: { storageClassName: 'alicloud-disk-topology-alltype' } }),
      { spec: { storageClassName: 'gp3' } }],
    ['a StatefulSet\'s volumeClaimTemplates', obj('apps/v1', 'StatefulSet', 'web', 'default', { spec: { volumeClaimTemplates: [
      { metadata: { name: 'www' }, spec: { storageClassName: 'alicloud-disk-topology-alltype' } }, { metadata: { name: 'logs' }, spec: { storageClassName: 'other' } }] } }),
      { spec: { volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { storageClassName: 'gp3' } }, { metadata: { name: 'logs' }, spec: { storageClassName: 'other' } }] } }],
  ])('renames %s', (_name, object, expected) => {
    expect(keptObject(mapStorageClasses(itemOf(frozen(object)), ctx))).toMatchObject(expected);
  });

  it('leaves a class outside the mapping alone', () => {
    const object = obj('v1', 'PersistentVolumeClaim', 'c', 'default', { spec: { storageClassName: 'standard' } });
    expect(keptObject(mapStorageClasses(itemOf(object), ctx))).toBe(object);
  });
});

describe('service and ingress rewrites', () => {
  const ctx = contextWith({
    serviceAnnotations: { set: { 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-id': 'lb-1' }, remove: ['metallb.universe.tf/address-pool'] },
    ingressAnnotations: { set: { 'alb.ingress.kubernetes.io/healthcheck-enabled': 'true' }, remove: [] },
    ingressClassMapping: { nginx: 'alb' },
  });

  it('sets and removes Service annotations', () => {
    const svc = frozen(obj('v1', 'Service', 'web', 'default', { spec: {} }, { annotations: { 'metallb.universe.tf/address-pool': 'idc', keep: 'me' } }));
    expect(keptObject(rewriteNetworking(itemOf(svc), ctx)).metadata.annotations).toEqual({ keep: 'me', 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-id': 'lb-1' });
  });

  it('maps an Ingress class in the field and in the legacy annotation, and sets its annotations', () => {
    const ing = frozen(obj('networking.k8s.io/v1', 'Ingress', 'web', 'default', { spec: { ingressClassName: 'nginx' } }, { annotations: { 'kubernetes.io/ingress.class': 'nginx' } }));
    const out = keptObject(rewriteNetworking(itemOf(ing), ctx));
    expect(out.spec).toEqual({ ingressClassName: 'alb' });
    expect(out.metadata.annotations).toEqual({ 'kubernetes.io/ingress.class': 'alb', 'alb.ingress.kubernetes.io/healthcheck-enabled': 'true' });
  });

  it('does not touch other kinds', () => {
    const cm = obj('v1', 'ConfigMap', 'c', 'default', {}, { annotations: { 'metallb.universe.tf/address-pool': 'idc' } });
    expect(keptObject(rewriteNetworking(itemOf(cm), ctx))).toBe(cm);
  });
});
