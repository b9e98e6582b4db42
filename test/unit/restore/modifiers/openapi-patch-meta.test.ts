import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../lib/model/object.js';
import { applyResourceModifiers } from '../../../../lib/restore/modifiers/index.js';
import { OpenApiPatchMeta } from '../../../../lib/restore/modifiers/openapi-patch-meta.js';
import { deployment, rules } from './fixtures.js';

const ref = (name: string) => ({ allOf: [{ $ref: `#/components/schemas/io.k8s.api.${name}` }], default: {} });

/** An OpenAPI v3 document shaped as /openapi/v3/apis/apps/v1 answers, cut down, with a field 1.35 does not have. */
const APPS_V1 = {
  openapi: '3.0.0',
  components: {
    schemas: {
      'io.k8s.api.apps.v1.Deployment': {
        'x-kubernetes-group-version-kind': [{ group: 'apps', kind: 'Deployment', version: 'v1' }],
        properties: { spec: ref('apps.v1.DeploymentSpec') },
      },
      'io.k8s.api.apps.v1.DeploymentSpec': { properties: { template: ref('core.v1.PodTemplateSpec') } },
      'io.k8s.api.core.v1.PodTemplateSpec': { properties: { spec: ref('core.v1.PodSpec') } },
      'io.k8s.api.core.v1.PodSpec': {
        properties: {
          containers: { type: 'array', items: ref('core.v1.Container'), 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' },
          volumes: { type: 'array', items: { $ref: '#/components/schemas/io.k8s.api.core.v1.Volume' }, 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge,retainKeys' },
          // A field of a future release: the built-in table cannot know it.
          sidecarSets: { type: 'array', items: { type: 'object' }, 'x-kubernetes-patch-merge-key': 'id', 'x-kubernetes-patch-strategy': 'merge' },
        },
      },
      'io.k8s.api.core.v1.Container': { properties: { env: { type: 'array', 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' } } },
      'io.k8s.api.core.v1.Volume': { properties: {} },
    },
  },
};

describe('OpenApiPatchMeta', () => {
  const meta = new OpenApiPatchMeta([APPS_V1]);
  const podSpec = () => meta.forKind('apps', 'v1', 'Deployment')!.field('spec').meta.field('template').meta.field('spec').meta;

  it.each([
    ['a list of objects with a merge key through allOf references', ['containers'], { strategy: 'merge', mergeKeys: ['name'] }],
    ['merge,retainKeys as merge, through a plain $ref', ['volumes'], { strategy: 'merge', mergeKeys: ['name'] }],
    ['a field nested in a list element', ['containers', 'env'], { strategy: 'merge', mergeKeys: ['name'] }],
    ['an untagged field: maps merge, lists are replaced', ['nodeSelector'], { mergeKeys: [] }],
  ])('reads %s', (_case, path, expected) => {
    let field = podSpec().field(path[0]!);
    for (const key of path.slice(1)) field = field.meta.field(key);
    expect(field).toMatchObject(expected);
    if (!('strategy' in expected)) expect(field.strategy).toBeUndefined();
  });

  it('knows only the kinds its documents describe, and skips what is not a schema', () => {
    expect(meta.forKind('apps', 'v1', 'StatefulSet')).toBeUndefined();
    expect(new OpenApiPatchMeta(['not a document', null, { components: { schemas: { x: 5 } } }]).forKind('apps', 'v1', 'Deployment')).toBeUndefined();
  });

  it('lists every tagged field by path', () => {
    expect(meta.taggedFields('apps', 'v1', 'Deployment')).toEqual([
      { path: 'spec.template.spec.containers', strategy: 'merge', mergeKey: 'name' },
      { path: 'spec.template.spec.containers.env', strategy: 'merge', mergeKey: 'name' },
      { path: 'spec.template.spec.volumes', strategy: 'merge', mergeKey: 'name' },
      { path: 'spec.template.spec.sidecarSets', strategy: 'merge', mergeKey: 'id' },
    ]);
  });
});

describe('strategic patches with the target\'s metadata', () => {
  const patch = `- conditions: {groupResource: deployments.apps}\n  strategicPatches:\n  - patchData: '{"spec":{"template":{"spec":{"sidecarSets":[{"id":"b","image":"new"}]}}}}'\n`;
  const withSidecars = () => {
    const d = deployment();
    ((d.spec as { template: { spec: Record<string, unknown> } }).template.spec).sidecarSets = [{ id: 'a', image: 'one' }, { id: 'b', image: 'old' }];
    return d;
  };
  const sidecars = (o: KubeObject) => (o.spec as { template: { spec: { sidecarSets: unknown } } }).template.spec.sidecarSets;

  it('merges a list by the merge key the target publishes, where the built-in table would replace it', () => {
    const meta = new OpenApiPatchMeta([APPS_V1]);
    const merged = applyResourceModifiers(withSidecars(), withSidecars(), 'deployments.apps', rules(patch), { targetPatchMeta: (g, v, k) => meta.forKind(g, v, k) });
    expect(sidecars(merged.object)).toEqual([{ id: 'a', image: 'one' }, { id: 'b', image: 'new' }]);
    const offline = applyResourceModifiers(withSidecars(), withSidecars(), 'deployments.apps', rules(patch));
    expect(sidecars(offline.object)).toEqual([{ id: 'b', image: 'new' }]);
  });
});
