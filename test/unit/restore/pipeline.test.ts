import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../lib/model/object.js';
import { parseResourceModifiers } from '../../../lib/restore/modifiers/index.js';
import { ItemTransformError } from '../../../lib/restore/errors.js';
import { MAX_OBJECT_DEPTH, nestsDeeperThan, STAGES, transformAll, Transformer } from '../../../lib/restore/pipeline.js';
import type { Stage } from '../../../lib/restore/types.js';
import { contextWith, frozen, itemOf, obj } from './fixtures.js';

const MODIFIERS = `version: v1
resourceModifierRules:
- conditions:
    groupResource: statefulsets.apps
    namespaces: [default]
  patches:
  - operation: remove
    path: /spec/template/spec/affinity/nodeAffinity
- conditions:
    groupResource: configmaps
    namespaces: [default]
  patches:
  - operation: remove
    path: /data/missing
`;

const statefulSet = frozen(obj('apps/v1', 'StatefulSet', 'web', 'default', {
  spec: { template: { spec: { affinity: { nodeAffinity: { x: 1 } }, containers: [{ name: 'nginx', image: 'old.example.com/team/nginx:1' }] } } },
  status: { replicas: 2 },
}, { uid: 'u1', resourceVersion: '7', labels: { app: 'nginx' } }));

describe('transformAll', () => {
  const context = contextWith({ namespaceMapping: { default: 'default1' }, imageRegistryMapping: { 'old.example.com/team': 'new.example.com/t' } },
    { backupName: 'nginx-backup', restoreName: 'nginx-restore', modifiers: parseResourceModifiers(MODIFIERS, 'modifiers.yaml') });

  it('runs every stage: metadata stripped, image mapped, modifier applied against the backup namespace, moved, labelled', () => {
    const result = transformAll([itemOf(statefulSet)], context);
    expect(result.items.map((i) => i.object)).toEqual([obj('apps/v1', 'StatefulSet', 'web', 'default1', {
      spec: { template: { spec: { affinity: {}, containers: [{ name: 'nginx', image: 'new.example.com/t/nginx:1' }] } } },
    }, { labels: { app: 'nginx', 'velero.io/backup-name': 'nginx-backup', 'velero.io/restore-name': 'nginx-restore' } })]);
    expect(result.problems).toEqual([]);
  });

  it('records a modifier failure as an error of the object, grouped by its target namespace, and still restores it', () => {
    const result = transformAll([itemOf(obj('v1', 'ConfigMap', 'cfg', 'default', { data: { a: '1' } }))], context);
    expect(result.items).toHaveLength(1);
    expect(result.errors.namespaces?.default1).toEqual([expect.stringMatching(/^ConfigMap default1\/cfg: resourceModifierRules\[1\]/)]);
    expect(result.problems).toEqual([expect.objectContaining({
      severity: 'error', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default1', name: 'cfg', stage: 'resource-modifiers',
    })]);
  });

  it('skips what the filter leaves out and says why, without a warning', () => {
    const result = transformAll([itemOf(obj('v1', 'Node', 'n1', undefined)), itemOf(obj('v1', 'Secret', 's', 'kube-system'))],
      contextWith({ excludedNamespaces: ['kube-system'] }));
    expect(result.items).toEqual([]);
    expect(result.skipped.map((s) => [s.stage, s.item.object.metadata.name])).toEqual([['filter', 'n1'], ['filter', 's']]);
    expect(result.problems).toEqual([]);
  });

  it('keeps neither the backup\'s objects nor the skipped ones\' bodies when told not to (a restore), with the same result otherwise', () => {
    const input = () => [itemOf(statefulSet), itemOf(obj('v1', 'Secret', 's', 'kube-system', { data: { k: 'dg==' } }))];
    const ctx = contextWith({ excludedNamespaces: ['kube-system'], namespaceMapping: { default: 'default1' } });
    const full = transformAll(input(), ctx);
    const lean = transformAll(input(), ctx, undefined, { keepOriginals: false });
    expect(lean.items.map((i) => i.object)).toEqual(full.items.map((i) => i.object));
    expect(lean.items.map((i) => i.original)).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default' } }]);
    expect(full.items[0]!.original).toBe(statefulSet);
    expect(lean.skipped).toEqual([{ stage: 'filter', reason: full.skipped[0]!.reason, item: expect.objectContaining({
      object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'kube-system' } },
      original: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'kube-system' } }, backupNamespace: 'kube-system',
    }) }]);
    expect(lean.problems).toEqual(full.problems);
  });

  it('drops the second of two objects that land on the same name after mapping, with an error', () => {
    const result = transformAll([itemOf(obj('v1', 'ConfigMap', 'c', 'a')), itemOf(obj('v1', 'ConfigMap', 'c', 'b'))],
      contextWith({ namespaceMapping: { a: 'shared', b: 'shared' } }));
    expect(result.items).toHaveLength(1);
    expect(result.errors.namespaces?.shared).toEqual([expect.stringContaining('another object already restores to configmaps shared/c')]);
  });

  it('drops a malformed object with an error and goes on with the others', () => {
    const bad = { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} } as KubeObject;
    const result = transformAll([{ object: bad, original: bad, groupResource: 'configmaps', backupNamespace: 'default' },
      itemOf(obj('v1', 'ConfigMap', 'ok', 'default'))], contextWith());
    expect(result.items.map((i) => i.object.metadata.name)).toEqual(['ok']);
    expect(result.errors.namespaces?.default).toEqual([expect.stringContaining('neither metadata.name nor metadata.generateName')]);
  });

  it('turns a stage\'s refusal of one object (ItemTransformError) into an error for that object only', () => {
    const boom: Stage = { name: 'boom', run: (item) => { if (item.object.metadata.name === 'bad') throw new ItemTransformError('kaput'); return { item }; } };
    const result = transformAll([itemOf(obj('v1', 'ConfigMap', 'bad', 'default')), itemOf(obj('v1', 'ConfigMap', 'good', 'default'))], contextWith(), [boom]);
    expect(result.items.map((i) => i.object.metadata.name)).toEqual(['good']);
    expect(result.problems).toEqual([expect.objectContaining({ stage: 'boom', message: 'failed: kaput' })]);
  });

  it('lets a bug in a stage (any other error) go up as it is, with its stack, instead of calling it the object\'s failure', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'ports')");
    const boom: Stage = { name: 'boom', run: () => { throw bug; } };
    expect(() => transformAll([itemOf(obj('v1', 'ConfigMap', 'a', 'default'))], contextWith(), [boom])).toThrow(bug);
  });

  it('reports a cluster-scoped object\'s problems under cluster', () => {
    const boom: Stage = { name: 'warn', run: (item) => ({ item, warnings: ['look'] }) };
    const result = transformAll([itemOf(obj('storage.k8s.io/v1', 'StorageClass', 'gp3', undefined))], contextWith(), [boom]);
    expect(result.warnings).toEqual({ cluster: ['StorageClass gp3: look'] });
  });
});

describe('objects nested too deep', () => {
  const deep = (levels: number): KubeObject => JSON.parse(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep","namespace":"a"},"x":${'['.repeat(levels)}${']'.repeat(levels)}}`) as KubeObject;

  it.each([
    ['an object nested 100,000 levels (it would overflow the stack)', 100_000, true],
    ['an object nested just over the limit', MAX_OBJECT_DEPTH, true],
    ['an object at the limit', MAX_OBJECT_DEPTH - 1, false],
  ])('%s: refused with its reason, listed with the skipped and counted as an error when too deep', (_case, levels, refused) => {
    const result = transformAll([itemOf(deep(levels)), itemOf(obj('v1', 'ConfigMap', 'plain', 'a'))], contextWith(), undefined, { keepOriginals: false });
    expect(result.items.map((i) => i.object.metadata.name)).toEqual(refused ? ['plain'] : ['deep', 'plain']);
    expect(result.skipped.map((s) => [s.stage, s.item.object.metadata.name, s.reason])).toEqual(refused
      ? [['input', 'deep', `nests more than ${MAX_OBJECT_DEPTH} levels deep: refused (no Kubernetes object does; the stages could not walk it)`]] : []);
    expect(result.errors).toEqual(refused ? { namespaces: { a: [expect.stringMatching(/^ConfigMap a\/deep: nests more than 1000 levels deep/)] } } : {});
  });

  it.each([
    ['a scalar', 'x', 0, false],
    ['a flat object', { a: 1 }, 1, false],
    ['an object two levels deep, limit 1', { a: { b: 1 } }, 1, true],
    ['an array in an object, limit 2', { a: [1] }, 2, false],
  ])('nestsDeeperThan: %s', (_case, value, limit, expected) => {
    expect(nestsDeeperThan(value, limit)).toBe(expected);
  });
});

describe('Transformer with a bound on the skipped items it lists', () => {
  it('lists the first ones left out and counts the rest, so that a filter over a large backup keeps a number, not a list', () => {
    const transformer = new Transformer(contextWith({ includedNamespaces: ['keep'] }), STAGES, { keepOriginals: false, maxSkipped: 2 });
    const kept = ['a', 'b', 'c', 'd', 'e'].map((name) => transformer.transform(itemOf(obj('v1', 'ConfigMap', name, 'other'))));
    expect(transformer.transform(itemOf(obj('v1', 'ConfigMap', 'kept', 'keep')))).toBeDefined();
    expect(kept.every((k) => k === undefined)).toBe(true);
    expect(transformer.result.skipped.map((s) => s.item.object.metadata.name)).toEqual(['a', 'b']);
    expect(transformer.skippedOmitted).toBe(3);
  });
});
