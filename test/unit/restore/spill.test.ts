import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpillRefs } from '../../../lib/restore/plan.js';
import { SpillFile, SpillLimitError } from '../../../lib/restore/spill.js';

describe('the restore spill', () => {
  it('reads back every object appended, batched or flushed, and deletes its folder on close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spill-test-'));
    const spill = await SpillFile.create({ dir });
    const refs = new SpillRefs();
    const bodies = Array.from({ length: 3000 }, (_, i) => Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(i % 997) })));
    const numbers = [];
    for (const b of bodies) numbers.push(refs.push(await spill.append(b)));
    for (const n of [0, 1, 1499, 2999]) expect((await spill.read(refs.at(numbers[n]!))).equals(bodies[n]!)).toBe(true);
    await spill.close();
    expect(existsSync(join(dir, 'objects.jsonl'))).toBe(false);
  });

  it('refuses to grow past its limit', async () => {
    const spill = await SpillFile.create({ limit: 10 });
    await spill.append(Buffer.from('12345'));
    await expect(spill.append(Buffer.from('123456'))).rejects.toBeInstanceOf(SpillLimitError);
    await spill.close();
  });
});
