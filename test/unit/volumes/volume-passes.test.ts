import { describe, expect, it } from 'vitest';
import { emptyResults } from '../../../lib/model/results.js';
import { moveVolumeData } from '../../../lib/volumes/backup-volume-data.js';
import type { FilledVolume, MovedVolume, MoveInRequest, MoveOutRequest, VolumeMover } from '../../../lib/volumes/mover.js';
import { VolumeFiller } from '../../../lib/volumes/restore-volume-data.js';
import { FakeCluster, obj, RESOURCES } from '../../support/fake-cluster.js';

/** A mover that records its calls; its sweep reports `deleted`. */
class RecordingMover implements VolumeMover {
  calls: string[] = [];
  constructor(private readonly deleted: string[] = [], private readonly problems: string[] = []) {}

  async moveOut(request: MoveOutRequest): Promise<MovedVolume> {
    this.calls.push(`out ${request.namespace}/${request.claim} run=${request.run}`);
    return { snapshotId: 'k1', bytes: 1, files: 1, dirs: 1, symlinks: 0, source: 'live' };
  }

  async moveIn(request: MoveInRequest): Promise<FilledVolume> {
    this.calls.push(`in ${request.namespace}/${request.claim} restore=${request.restore} run=${request.run}`);
    return {};
  }

  async sweep() {
    this.calls.push('sweep');
    return { deleted: this.deleted, problems: this.problems };
  }
}

const bound = (namespace: string, name: string, labels?: Record<string, string>) =>
  obj('v1', 'PersistentVolumeClaim', name, namespace, { status: { phase: 'Bound' } }, labels);

describe('the volume-data passes and the movers\' leftovers', () => {
  it('a backup sweeps the cluster once before its first move, logs what was deleted and what could not be looked at, and passes its run on', async () => {
    const mover = new RecordingMover(['app/ferry-mover-backup-1'], ['Job objects of movers could not be listed: forbidden']);
    const lines: string[] = [];
    const log = { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`) };
    const cluster = new FakeCluster(RESOURCES).seed(bound('app', 'a'), bound('app', 'b'));
    const outcome = await moveVolumeData('b1', [{ namespace: 'app', claim: 'a' }, { namespace: 'app', claim: 'b' }],
      { cluster, mover, results: emptyResults(), log, run: '2026-01-01T00:00:00Z' });
    expect(outcome.volumes.map((v) => v.claim)).toEqual(['a', 'b']);
    expect(mover.calls).toEqual(['sweep', 'out app/a run=2026-01-01T00:00:00Z', 'out app/b run=2026-01-01T00:00:00Z']);
    expect(lines.slice(0, 2)).toEqual([
      'info deleted the objects of 1 mover(s) left by runs that ended without removing them',
      'warn mover clean-up: Job objects of movers could not be listed: forbidden',
    ]);
  });

  it('a restore sweeps once before its first fill and names itself and its run to the mover; a dry run sweeps nothing', async () => {
    const claim = bound('app', 'data', { 'velero.io/restore-name': 'r1' });
    const entry = { namespace: 'app', claim: 'data', repository: 'app', snapshotId: 'k1', bytes: 1, files: 1, dirs: 1, symlinks: 0, source: 'live' as const };
    for (const dryRun of [false, true]) {
      const mover = new RecordingMover();
      const cluster = new FakeCluster(RESOURCES).seed(claim);
      const filler = new VolumeFiller('b1', 'r1', [entry], {}, dryRun, { cluster, mover, results: emptyResults(), log: { info: () => undefined, warn: () => undefined } }, '2026-02-02T00:00:00.000Z');
      expect(await filler.afterGroup('persistentvolumeclaims', async () => [claim])).toBe(true);
      expect(mover.calls).toEqual(dryRun ? [] : ['sweep', 'in app/data restore=r1 run=2026-02-02T00:00:00.000Z']);
    }
  });
});
