// The whole tree typechecks under the strict tsconfig and passes eslint, including the rule that keeps the
// AWS SDK, the Kubernetes client, process.env and the clock out of the pure folders.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('static checks', () => {
  it.each([
    ['the TypeScript compiler finds no error in any file', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
    ['eslint finds no problem, the purity rule included', ['eslint', '.']],
  ])('%s', (_name, command) => {
    const run = spawnSync('npx', command, { encoding: 'utf8', timeout: 300_000 });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  }, 320_000);
});
