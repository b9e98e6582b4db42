import { describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from '../../../../lib/restore/apply/checkpoint.js';
import { BucketLayout } from '../../../../lib/store/layout.js';
import { MemoryStore } from '../../../support/memory-store.js';

const layout = new BucketLayout('');
const VALID: Checkpoint = {
  restore: 'r1', backup: 'nightly-1', dryRun: false, startedAt: '2026-01-10T06:30:00.000Z', invocations: 1,
  plan: { entries: 2, sha256: 'a'.repeat(64) }, outcomes: { codes: 'AQA=', notes: {}, notesOmitted: 0 },
  groups: [{ name: 'configmaps', entries: 2, byStatus: { created: 1 } }],
};

async function stored(value: unknown) {
  const store = new MemoryStore();
  await store.put(layout.restoreKey('r1', 'checkpoint'), JSON.stringify(value));
  return loadCheckpoint(store, layout, 'r1', false);
}

describe('a stored checkpoint', () => {
  it('comes back as saved, groups included', async () => {
    const store = new MemoryStore();
    await saveCheckpoint(store, layout, VALID, { ifNoneMatch: '*' });
    expect(await loadCheckpoint(store, layout, 'r1', false)).toMatchObject({ state: 'ok', checkpoint: VALID });
  });

  it.each([
    ['one naming another restore is refused with the name it gives', { ...VALID, restore: 'r2' }, /names restore "r2"/],
    ['one of a dry run is not taken for the real run\'s', { ...VALID, dryRun: true }, /dryRun is true, expected false/],
    ['one without a whole number of invocations is refused', { ...VALID, invocations: 0 }, /invocations is 0/],
    ['one whose plan has no fingerprint is refused', { ...VALID, plan: { entries: 2 } }, /plan needs entries and a sha256/],
    ['one with outcomes and no plan is refused', { ...VALID, plan: undefined }, /outcomes need a plan/],
    ['one whose groups count in fractions is refused', { ...VALID, groups: [{ name: 'configmaps', entries: 2, byStatus: { created: 0.5 } }] }, /groups needs a name, entries and byStatus/],
    ['one whose groups are not a list is refused', { ...VALID, groups: { configmaps: 2 } }, /groups needs/],
    ['one whose lease has no time is refused', { ...VALID, lease: { holder: 'x', expiresAt: 'soon' } }, /lease needs a holder and an RFC 3339 expiresAt/],
  ])('%s', async (_name, value, problem) => {
    const found = await stored(value);
    expect(found.state).toBe('corrupt');
    expect(found.state === 'corrupt' && found.problem.message).toMatch(problem);
  });
});
