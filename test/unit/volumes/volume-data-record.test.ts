import { describe, expect, it } from 'vitest';
import { parseVolumeData, serializeVolumeData, type VolumeDataEntry } from '../../../lib/volumes/volume-data-record.js';

const entry: VolumeDataEntry = {
  namespace: 'app', claim: 'www-web-0', repository: 'kopia/app/', snapshotId: 'k0123abc', bytes: 10, files: 1, dirs: 1, symlinks: 0, source: 'live',
};

describe('the volume-data record', () => {
  it('round-trips its entries, sorted by namespace and claim', () => {
    const second = { ...entry, claim: 'a-claim' };
    const text = serializeVolumeData([entry, second], [{ namespace: 'app', claim: 'z', reason: 'mover failed' }]);
    expect(parseVolumeData(text)).toEqual({ volumes: [second, entry], problems: [] });
    expect(JSON.parse(text).failed).toEqual([{ namespace: 'app', claim: 'z', reason: 'mover failed' }]);
  });

  it.each([
    ['a namespace that is not a Kubernetes name', { namespace: '../other' }, 'volumes[0].namespace: expected a Kubernetes name, got "../other"'],
    ['a snapshot ID with characters kopia never uses', { snapshotId: 'k1; rm -rf /' }, 'volumes[0].snapshotId: expected a kopia snapshot ID (letters and digits), got "k1; rm -rf /"'],
    ['a negative size', { bytes: -1 }, 'volumes[0].bytes: expected a count, got -1'],
  ])('refuses an entry with %s, naming the field', (_name, change, problem) => {
    const text = JSON.stringify({ version: 1, engine: 'kopia', volumes: [{ ...entry, ...change }], failed: [] });
    expect(parseVolumeData(text)).toEqual({ volumes: [], problems: [`ferry-volume-data.json ${problem}`] });
  });

  it('takes the repository from the namespace, never from the record', () => {
    const text = JSON.stringify({ version: 1, engine: 'kopia', volumes: [{ ...entry, repository: '../../elsewhere/' }], failed: [] });
    expect(parseVolumeData(text).volumes[0]!.repository).toBe('kopia/app/');
  });

  it.each([['text that is not JSON', 'nope', /not JSON/], ['another format', '{"version":2}', /expected \{version: 1/]])('refuses %s', (_n, text, problem) => {
    expect(parseVolumeData(text).problems[0]).toMatch(problem);
  });
});
