// `osls package` on the real template: proves serverless.yml is valid and checks what it generates
// (scripts/ci/package-check.sh does the checking and exits non-zero with every problem it found).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('serverless.yml', () => {
  it('packages with osls into a CloudFormation template with five functions (the console\'s API behind a JWT authorizer), the schedules and least-privilege IAM', () => {
    const run = spawnSync('bash', ['scripts/ci/package-check.sh'], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, CI: 'true' } });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  }, 360_000);
});
