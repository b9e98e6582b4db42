import { describe, expect, it } from 'vitest';
import { OutcomeLog } from '../../../../lib/restore/apply/outcome-log.js';
import { outcomeOfKey } from '../../../../lib/restore/apply/outcome.js';

describe('the outcome log', () => {
  it('keeps a status per entry and its message, and comes back whole from what a checkpoint saves', () => {
    const log = new OutcomeLog(5, 1024);
    log.record(0, { status: 'created' });
    log.record(3, { status: 'skipped', message: 'already exists and differs', warning: true });
    log.record(4, { status: 'failed', message: '422 Invalid' });
    const saved = JSON.parse(JSON.stringify(log.save()));
    const back = OutcomeLog.restore(saved, 5, 1024) as OutcomeLog;
    expect([0, 1, 2, 3, 4].map((e) => back.get(e))).toEqual([
      { status: 'created' }, undefined, undefined, { status: 'skipped', message: 'already exists and differs', warning: true }, { status: 'failed', message: '422 Invalid' },
    ]);
    expect(back.done).toBe(3);
    expect(back.counts()).toEqual({ created: 1, updated: 0, unchanged: 0, skipped: 1, failed: 1, total: 3 });
    expect(back.failed(4)).toBe(true);
  });

  it('counts the outcomes of a set of entries by status, leaving out entries without one', () => {
    const log = new OutcomeLog(6, 1024);
    log.record(0, { status: 'created' });
    log.record(2, { status: 'created', warning: true });
    log.record(3, { status: 'failed', message: 'no' });
    log.record(5, { status: 'created' });
    expect(log.byStatus([0, 1, 2, 3])).toEqual({ created: 2, failed: 1 });
    expect(log.byStatus([1, 4])).toEqual({});
  });

  it('an entry recorded again (a CRD that never became Established) keeps its last outcome and message only', () => {
    const log = new OutcomeLog(1, 1024);
    log.record(0, { status: 'created' });
    log.record(0, { status: 'failed', message: 'not Established' });
    expect(log.get(0)).toEqual({ status: 'failed', message: 'not Established' });
    expect(log.done).toBe(1);
    expect(log.noted()).toEqual([0]);
  });

  it('messages past the byte bound are counted, not kept, and their objects keep their status', () => {
    const log = new OutcomeLog(100, 16 * 3 + 30);
    for (let e = 0; e < 100; e++) log.record(e, { status: 'skipped', message: `message ${e}`, warning: true });
    expect(log.noted()).toEqual([0, 1, 2]);
    expect(log.notesOmitted).toBe(97);
    expect(log.get(50)).toEqual({ status: 'skipped', warning: true });
    expect(log.counts().skipped).toBe(100);
  });

  it('a hundred thousand outcomes are saved in under 140 KB', () => {
    const log = new OutcomeLog(100_000, 1024);
    for (let e = 0; e < 100_000; e++) log.record(e, { status: e % 7 === 0 ? 'unchanged' : 'created' });
    expect(JSON.stringify(log.save()).length).toBeLessThan(140_000);
  });

  it.each([
    ['a saved log of another number of entries', { codes: Buffer.alloc(4).toString('base64'), notes: {}, notesOmitted: 0 }, /hold 4 entries, the plan 5/],
    ['a code that names no status', { codes: Buffer.from([0, 0, 7, 0, 0]).toString('base64'), notes: {}, notesOmitted: 0 }, /outcome code 7 of entry 2/],
    ['a note of an entry past the end', { codes: Buffer.alloc(5).toString('base64'), notes: { 9: 'x' }, notesOmitted: 0 }, /note "9" is not a message of an entry/],
    ['a saved log without its notes', { codes: Buffer.alloc(5).toString('base64') }, /outcomes need codes, notes and notesOmitted/],
  ])('%s is refused with the reason', (_name, saved, reason) => {
    expect(OutcomeLog.restore(saved, 5, 1024)).toMatch(reason);
  });
});

describe('outcomes named by their keys', () => {
  it.each([
    ['a namespaced object of a group', 'apps/v1/Deployment/ns/web', { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ns', name: 'web' }],
    ['a cluster-scoped object of the core group', 'v1/Namespace//app', { apiVersion: 'v1', kind: 'Namespace', namespace: '', name: 'app' }],
  ])('%s', (_name, key, identity) => {
    expect(outcomeOfKey(key, { status: 'created' })).toEqual({ ...identity, status: 'created' });
  });
});
