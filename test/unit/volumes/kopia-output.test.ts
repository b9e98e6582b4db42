import { describe, expect, it } from 'vitest';
import { lastErrorLines, parseRestoredLine, parseSnapshotJson, readMoverReport } from '../../../lib/volumes/kopia-output.js';

const snapshot = {
  id: 'k4a1b2c3d4e5f60718293a4b5c6d7e8f9', source: { host: 'app', userName: 'ferry', path: '/claims/data' },
  rootEntry: { name: 'data', type: 'd', obj: 'kb8ec5b', summ: { size: 123456, files: 12, symlinks: 2, dirs: 3, numFailed: 0 } },
};

describe('readMoverReport', () => {
  it.each([
    ['a done report keeps its text', 'ferry-mover: ok {"id":"x"}', { ok: true, text: '{"id":"x"}' }],
    ['a wrong password at connect is named so', 'ferry-mover: connect failed: ERROR error connecting to repository: invalid repository password',
      { ok: false, step: 'connect', detail: 'ERROR error connecting to repository: invalid repository password', kind: 'wrong-password' }],
    ['a restore that cannot decrypt is corrupt data', 'ferry-mover: restore failed: 1 B\nERROR unable to decrypt content: cipher: message authentication failed',
      { ok: false, step: 'restore', detail: 'ERROR unable to decrypt content: cipher: message authentication failed', kind: 'corrupt' }],
    ['any other failure keeps its last line', 'ferry-mover: backup failed: something broke',
      { ok: false, step: 'backup', detail: 'something broke', kind: 'failed' }],
  ])('%s', (_name, message, expected) => {
    expect(readMoverReport(message)).toEqual(expected);
  });

  it.each([
    ['an empty message', ''],
    ['a message of something else', 'panic: runtime error'],
    ['no message at all', undefined],
  ])('is undefined for %s', (_name, message) => {
    expect(readMoverReport(message)).toBeUndefined();
  });
});

describe('parseSnapshotJson', () => {
  it('reads the ID and the sizes of a snapshot', () => {
    expect(parseSnapshotJson(JSON.stringify(snapshot))).toEqual({
      snapshotId: snapshot.id, bytes: 123456, files: 12, dirs: 3, symlinks: 2, source: 'live',
    });
  });

  it.each([
    ['text that is not JSON', 'oops', /not JSON/],
    ['an ID with characters kopia never uses', JSON.stringify({ ...snapshot, id: '../x' }), /no usable id/],
    ['no summary of its root', JSON.stringify({ id: 'k1' }), /no rootEntry.summ/],
    ['entries kopia could not read', JSON.stringify({ ...snapshot, rootEntry: { summ: { ...snapshot.rootEntry.summ, numFailed: 2 } } }), /could not read 2 entries/],
  ])('refuses %s', (_name, text, problem) => {
    const parsed = parseSnapshotJson(text);
    expect('problem' in parsed && parsed.problem).toMatch(problem);
  });
});

describe('parseRestoredLine', () => {
  it.each([
    ['kopia\'s summary line', 'Restored 3 files, 2 directories and 1 symbolic links (1.2 KB).', { files: 3, dirs: 2, symlinks: 1 }],
    ['a singular summary line', 'Restored 1 file, 1 directory and 0 symbolic links (5 B).', { files: 1, dirs: 1, symlinks: 0 }],
    ['no summary', '', {}],
  ])('reads %s', (_name, text, expected) => {
    expect(parseRestoredLine(text)).toEqual(expected);
  });
});

describe('lastErrorLines', () => {
  it('keeps the lines that say error, without progress lines', () => {
    expect(lastErrorLines(' / 1 hashing\n \\ 2 hashing\nERROR a\nERROR b\n')).toBe('ERROR a; ERROR b');
  });
});
