// The README's walk-through ("Using the `ferry` command"), read from the README itself and run verbatim, in order, in
// one shell, in a fresh view of the clone with its own stack (its own .stack folder, ports and bucket): every
// command must exit 0, the dry run included.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeCluster, loadKubeConfig } from '../../lib/kube/kube-cluster.js';

const repo = resolve(import.meta.dirname, '../..');
const HEADING = '## Using the `ferry` command';

/** The commands of the first `sh` block after the walk-through's heading, one per line. */
function walkthroughCommands(readme: string): string[] {
  const lines = readme.split('\n');
  const start = lines.indexOf(HEADING);
  if (start < 0) throw new Error(`README.md has no "${HEADING}" section`);
  const open = lines.indexOf('```sh', start);
  const close = lines.indexOf('```', open + 1);
  if (open < 0 || close < 0) throw new Error(`README.md's "${HEADING}" section has no \`\`\`sh block`);
  return lines.slice(open + 1, close).filter((l) => l.trim() !== '');
}

/** A folder that looks like a fresh clone of this one: every top-level entry linked, except its stack state and git. */
function freshClone(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-walkthrough-'));
  for (const entry of readdirSync(repo)) {
    if (entry === '.stack' || entry === '.git' || entry.startsWith('.stack-')) continue;
    symlinkSync(join(repo, entry), join(dir, entry));
  }
  return dir;
}

/** The environment of a user's shell: none of the test run's stack or AWS settings. */
function userEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['FERRY_CACHE', 'FERRY_STACK_NODES', 'FERRY_NODE_READY_SECONDS']);
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !((k.startsWith('FERRY_') && !keep.has(k)) || k.startsWith('AWS_') || k.startsWith('VITEST'))));
}

/** Runs a bash script in `cwd`; resolves with its combined output and exit code. */
function bash(script: string, cwd: string): Promise<{ code: number | null; output: string }> {
  const child = spawn('bash', ['-c', script], { cwd, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => { output += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { output += c.toString(); });
  return new Promise((done) => child.on('close', (code) => done({ code, output })));
}

const MARK = '::walkthrough::';

describe('the README\'s walk-through', () => {
  const clone = freshClone();

  afterAll(async () => {
    await bash('bash scripts/stack/stack.sh down', clone);
    rmSync(clone, { recursive: true, force: true });
  }, 300_000);

  it('runs verbatim after stack:reset, every command exiting 0', async () => {
    const commands = walkthroughCommands(readFileSync(join(repo, 'README.md'), 'utf8'));
    expect(commands[0]).toMatch(/^npm run stack:reset\b/);
    // One shell, so that what a line exports holds for the next; each command's exit status is marked after it.
    const script = commands.map((c, i) => `echo '${MARK} ${i} start'\n${c}\necho "${MARK} ${i} exit $?"`).join('\n');
    const { code, output } = await bash(script, clone);
    expect(code, output).toBe(0);
    const exits = [...output.matchAll(new RegExp(`^${MARK} (\\d+) exit (\\d+)$`, 'gm'))].map((m) => ({ command: commands[Number(m[1])], exit: Number(m[2]) }));
    expect(exits.map((e) => e.command), output).toEqual(commands);
    const failed = exits.filter((e) => e.exit !== 0);
    expect(failed, `commands that did not exit 0:\n${failed.map((f) => `  ${f.exit}: ${f.command}`).join('\n')}\n\n${output}`).toEqual([]);

    // What the walk-through says it does: the restore created the seed's application in default1, and neither it nor
    // its dry run copied the API server's own Service there.
    const dry = output.slice(output.indexOf(`${MARK} ${commands.findIndex((c) => c.includes('--dry-run'))} start`));
    expect(dry).toMatch(/\(dry run: nothing was written\)\n {2}objects: \d+ \(\d+ created, 0 updated, \d+ unchanged, 0 skipped, 0 failed\)/);
    const target = new KubeCluster(loadKubeConfig(join(clone, '.stack', 'target.kubeconfig')));
    try {
      expect(await target.read('apps/v1', 'StatefulSet', 'web', 'default1')).toMatchObject({ spec: { serviceName: 'nginx' } });
      expect(await target.read('v1', 'Service', 'kubernetes', 'default1')).toBeUndefined();
    } finally {
      target.close();
    }
  }, 45 * 60_000);
});
