import { describe, expect, it } from 'vitest';
import type { ApiResource } from '../../../lib/kube/cluster.js';
import { MOVER_LABEL } from '../../../lib/volumes/job-manifest.js';
import { EXPIRES_ANNOTATION, expiryOf, RUN_ANNOTATION, sweepMovers, UNMARKED_LIFETIME_MS } from '../../../lib/volumes/mover-objects.js';
import { FakeCluster, obj, RESOURCES } from '../../support/fake-cluster.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const at = (ms: number) => new Date(ms).toISOString();
const extra: ApiResource[] = [
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true, verbs: ['list', 'get', 'create', 'delete'] },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, verbs: ['list', 'get', 'delete'] },
  { group: 'snapshot.storage.k8s.io', version: 'v1', resource: 'volumesnapshots', kind: 'VolumeSnapshot', namespaced: true, verbs: ['list', 'get', 'create', 'delete'] },
];

/** One object of mover `name` in `app`, expiring at `expires` (undefined: unmarked, created at `created`). */
function moverObject(apiVersion: string, kind: string, name: string, expires: number | undefined, created = NOW) {
  const o = obj(apiVersion, kind, name, 'app', {}, { [MOVER_LABEL]: name, 'ferry.dev/backup': 'b' });
  o.metadata.creationTimestamp = at(created);
  if (expires !== undefined) o.metadata.annotations = { [RUN_ANNOTATION]: 'backup/b/t', [EXPIRES_ANNOTATION]: at(expires) };
  return o;
}

const left = (cluster: FakeCluster) => [...cluster.objects.values()].map((o) => `${o.kind}/${o.metadata.name}`).sort();

describe('sweepMovers', () => {
  it.each([
    ['deletes a move whose Job, Secret, clone claim and VolumeSnapshot have all expired', [NOW - 1, NOW - 1, NOW - 1], ['app/m']],
    ['leaves a move whole while one of its objects still has time (its clone outlives its Job)', [NOW - 1, NOW + 60_000, NOW - 1], []],
    ['leaves a move whole while its Secret still has time', [NOW - 1, NOW - 1, NOW - 1, NOW + 1], []],
  ])('%s', async (_name, [job, claim, snapshot, secret], deleted) => {
    const cluster = new FakeCluster([...RESOURCES, ...extra]).seed(
      moverObject('batch/v1', 'Job', 'm', job), moverObject('v1', 'Secret', 'm', secret ?? job),
      moverObject('v1', 'PersistentVolumeClaim', 'm', claim), moverObject('snapshot.storage.k8s.io/v1', 'VolumeSnapshot', 'm', snapshot),
      obj('v1', 'PersistentVolumeClaim', 'data', 'app'),
    );
    expect(await sweepMovers(cluster, NOW)).toEqual({ deleted, problems: [] });
    expect(left(cluster)).toEqual(deleted.length ? ['PersistentVolumeClaim/data']
      : ['Job/m', 'PersistentVolumeClaim/data', 'PersistentVolumeClaim/m', 'Secret/m', 'VolumeSnapshot/m']);
  });

  it('deletes a lone Secret a process killed before its Job left', async () => {
    const cluster = new FakeCluster([...RESOURCES, ...extra]).seed(moverObject('v1', 'Secret', 'lone', NOW - 1), obj('v1', 'Secret', 'app-secret', 'app'));
    expect((await sweepMovers(cluster, NOW)).deleted).toEqual(['app/lone']);
    expect(left(cluster)).toEqual(['Secret/app-secret']);
  });

  it('gives objects made before the marks a day from their creation', async () => {
    const cluster = new FakeCluster([...RESOURCES, ...extra]).seed(
      moverObject('batch/v1', 'Job', 'old', undefined, NOW - UNMARKED_LIFETIME_MS - 1), moverObject('batch/v1', 'Job', 'young', undefined, NOW - 60_000));
    expect((await sweepMovers(cluster, NOW)).deleted).toEqual(['app/old']);
    expect(left(cluster)).toEqual(['Job/young']);
  });

  it('sweeps a cluster that does not serve VolumeSnapshots, and touches nothing without the mover label', async () => {
    const cluster = new FakeCluster([...RESOURCES, ...extra.slice(0, 2)]).seed(moverObject('batch/v1', 'Job', 'm', NOW - 1), obj('batch/v1', 'Job', 'app-job', 'app'));
    expect((await sweepMovers(cluster, NOW)).deleted).toEqual(['app/m']);
    expect(left(cluster)).toEqual(['Job/app-job']);
  });

  it('reads an expiry from the mark, else from the creation time', () => {
    expect(expiryOf(moverObject('batch/v1', 'Job', 'm', NOW))).toBe(NOW);
    expect(expiryOf(moverObject('batch/v1', 'Job', 'm', undefined, NOW))).toBe(NOW + UNMARKED_LIFETIME_MS);
  });
});
