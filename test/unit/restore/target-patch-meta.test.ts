import { describe, expect, it } from 'vitest';
import type { Discovery } from '../../../lib/kube/cluster.js';
import { loadTargetPatchMeta } from '../../../lib/restore/target-patch-meta.js';
import { FakeCluster } from '../../support/fake-cluster.js';

const discovery: Discovery = {
  serverVersion: 'v1.35.4', resources: [],
  groups: [
    { name: '', versions: ['v1'], preferredVersion: 'v1' },
    { name: 'apps', versions: ['v1'], preferredVersion: 'v1' },
    { name: 'autoscaling', versions: ['v2', 'v1'], preferredVersion: 'v2' },
    { name: 'example.com', versions: ['v1'], preferredVersion: 'v1' },
  ],
};

const podDoc = { components: { schemas: { 'io.k8s.api.core.v1.Pod': { 'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Pod' }], properties: {} } } } };

/** A cluster whose OpenAPI v3 answers are given by group version; every request is recorded (keys('openapi')). */
function clusterWith(answer: (gv: string) => Promise<unknown>): { cluster: FakeCluster } {
  return { cluster: new FakeCluster([], { openApi: answer }) };
}

describe('loadTargetPatchMeta', () => {
  it('reads the documents of every served version of the backup\'s Kubernetes groups, and none of a custom group', async () => {
    const { cluster } = clusterWith(async (gv) => (gv === 'v1' ? podDoc : undefined));
    const meta = await loadTargetPatchMeta(cluster, discovery, ['', 'apps', 'autoscaling', 'example.com', 'apps']);
    expect(cluster.keys('openapi').sort()).toEqual(['apps/v1', 'autoscaling/v1', 'autoscaling/v2', 'v1']);
    expect(meta!('', 'v1', 'Pod')?.name).toBe('Pod');
    expect(meta!('example.com', 'v1', 'Widget')).toBeUndefined();
  });

  it('falls back to the built-in table with a warning when the target\'s OpenAPI cannot be read', async () => {
    const warnings: string[] = [];
    const { cluster } = clusterWith(async () => { throw new Error('503 Service Unavailable'); });
    expect(await loadTargetPatchMeta(cluster, discovery, ['apps'], { warn: (m) => { warnings.push(m); } })).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/built-in merge keys: 503 Service Unavailable/)]);
  });

  it('asks nothing of a cluster that publishes no OpenAPI (a fake of the port without it)', async () => {
    expect(await loadTargetPatchMeta(new FakeCluster(), discovery, ['apps'])).toBeUndefined();
  });
});
