import { describe, expect, it } from 'vitest';
import { HandOffError, parseHandOff, serializeHandOff, type BackupHandOff } from '../../../lib/backup/hand-off.js';
import { moverJobName } from '../../../lib/volumes/kube-job-mover.js';

const HAND_OFF: BackupHandOff = {
  backup: 'nightly', invocations: 2, itemsBackedUp: 12, byResource: { configmaps: 3 }, claims: ['app/data', 'app/logs'],
  pending: [{ namespace: 'app', claim: 'logs', node: 'source-node' }],
  volumes: [{ namespace: 'app', claim: 'data', repository: 'kopia/app/', snapshotId: 'k0123', bytes: 10, files: 1, dirs: 1, symlinks: 0, source: 'live' }],
  failed: [], files: { 'nightly.tar.gz': { size: 100, sha256: 'a'.repeat(64) } },
  results: { errors: {}, warnings: { namespaces: { app: ['w'] } } }, log: ['time="x" level=info msg="m" backup=nightly'],
};
const stored = () => JSON.parse(serializeHandOff(HAND_OFF)) as Record<string, unknown>;

describe('the backup hand-off record', () => {
  it('reads back what was written', () => {
    expect(parseHandOff(stored(), 'nightly')).toEqual(HAND_OFF);
  });

  it.each([
    ['another backup\'s record', (r: Record<string, unknown>) => ({ ...r, backup: 'other' }), 'backup: expected "nightly"'],
    ['a newer format', (r: Record<string, unknown>) => ({ ...r, version: 2 }), 'version: expected 1'],
    ['a pending claim with a path for a name', (r: Record<string, unknown>) => ({ ...r, pending: [{ namespace: 'app', claim: '../x' }] }), 'pending[0]'],
    ['a file name that climbs out of the backup\'s folder', (r: Record<string, unknown>) => ({ ...r, files: { '../x': { size: 1, sha256: 'a'.repeat(64) } } }), 'files'],
    ['a negative item count', (r: Record<string, unknown>) => ({ ...r, itemsBackedUp: -1 }), 'itemsBackedUp: expected a count'],
    ['a snapshot ID that is not one', (r: Record<string, unknown>) => ({ ...r, volumeData: { version: 1, engine: 'kopia', volumes: [{ ...HAND_OFF.volumes[0], snapshotId: '$(x)' }], failed: [] } }), 'volumeData'],
    ['log lines that are not text', (r: Record<string, unknown>) => ({ ...r, log: [1] }), 'log: expected a list of lines'],
  ])('refuses %s, naming the field', (_name, change, message) => {
    expect(() => parseHandOff(change(stored()), 'nightly')).toThrow(HandOffError);
    expect(() => parseHandOff(change(stored()), 'nightly')).toThrow(message);
  });
});

describe('moverJobName', () => {
  it.each([
    ['the same move asked again gets the same Job', () => moverJobName('backup', 'b', 'ns', 'c') === moverJobName('backup', 'b', 'ns', 'c')],
    ['another claim gets another Job', () => moverJobName('backup', 'b', 'ns', 'c') !== moverJobName('backup', 'b', 'ns', 'd')],
    ['a fill from another snapshot gets another Job', () => moverJobName('restore', 'b', 'ns', 'c', 's1') !== moverJobName('restore', 'b', 'ns', 'c', 's2')],
    ['a name fits a Job\'s pods (53 characters or fewer)', () => moverJobName('restore', 'b'.repeat(253), 'n'.repeat(63), 'c'.repeat(253), 'x').length <= 53],
  ])('%s', (_name, holds) => {
    expect(holds()).toBe(true);
  });
});
