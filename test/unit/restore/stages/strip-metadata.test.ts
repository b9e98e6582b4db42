import { describe, expect, it } from 'vitest';
import { SERVER_SET_METADATA, stripMetadata } from '../../../../lib/restore/stages/strip-metadata.js';
import { frozen, itemOf, keptObject, obj, specWith } from '../fixtures.js';

const served = frozen(obj('apps/v1', 'Deployment', 'web', 'default', { spec: { replicas: 2 }, status: { replicas: 2 } }, {
  uid: 'u-1', resourceVersion: '42', generation: 3, creationTimestamp: '2024-01-01T00:00:00Z', selfLink: '/x',
  deletionTimestamp: '2024-01-02T00:00:00Z', deletionGracePeriodSeconds: 30, managedFields: [{}],
  ownerReferences: [{ kind: 'X', name: 'y', uid: 'z' }], labels: { app: 'web' }, annotations: { a: 'b' }, finalizers: ['f'],
}));

describe('strip-metadata stage', () => {
  it('removes every server-set metadata field and keeps name, namespace, labels, annotations and finalizers', () => {
    const out = keptObject(stripMetadata(itemOf(served), specWith()));
    for (const key of SERVER_SET_METADATA) expect(out.metadata).not.toHaveProperty(key);
    expect(out.metadata).toEqual({ name: 'web', namespace: 'default', labels: { app: 'web' }, annotations: { a: 'b' }, finalizers: ['f'] });
    expect(out.spec).toEqual({ replicas: 2 });
  });

  it.each([
    ['status is removed when restoreStatus is absent', {}, false],
    ['status is kept when restoreStatus includes the resource', { restoreStatus: { includedResources: ['deployments.apps'] } }, true],
    ['status is kept for every resource when restoreStatus is empty (Velero)', { restoreStatus: {} }, true],
    ['status is removed when restoreStatus excludes the resource', { restoreStatus: { includedResources: ['*'], excludedResources: ['deployments'] } }, false],
    ['status is removed when restoreStatus includes other resources only', { restoreStatus: { includedResources: ['pods'] } }, false],
  ])('%s', (_name, fields, kept) => {
    const out = keptObject(stripMetadata(itemOf(served), specWith(fields)));
    expect(out.status !== undefined).toBe(kept);
  });
});
