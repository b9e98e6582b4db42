// Brings the local stack up once for the integration project, and stops it afterwards if this run started it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { stackDir } from '../support/stack.js';

let startedHere = false;

export function setup(): void {
  const dir = stackDir();
  const wasRunning = existsSync(`${dir}/source.pid`) && isRunning();
  execFileSync('bash', ['scripts/stack/stack.sh', 'up'], { stdio: 'inherit', timeout: 60 * 60 * 1000 });
  startedHere = !wasRunning;
}

export function teardown(): void {
  if (startedHere && process.env.FERRY_KEEP_STACK !== '1') {
    execFileSync('bash', ['scripts/stack/stack.sh', 'down'], { stdio: 'inherit' });
  }
}

function isRunning(): boolean {
  try {
    return !execFileSync('bash', ['scripts/stack/stack.sh', 'status'], { encoding: 'utf8' }).includes('stopped');
  } catch {
    return false;
  }
}
