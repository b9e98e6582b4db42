// The `ferry` command as the user starts it: bin/ferry.js on the esbuild bundle of lib/cli, on plain node (no
// TypeScript loader), rebuilt when a file it was built from changes.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, utimesSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliBundle } from '../../../bin/cli-bundle.js';

const repo = resolve(import.meta.dirname, '../../..');
const ferry = (...args: string[]) => execFileSync(process.execPath, [join(repo, 'bin', 'ferry.js'), ...args], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });

describe('the ferry command bundle', () => {
  it('answers --help and version from the bundle on the Node it runs on, with no loader', async () => {
    const bundle = await cliBundle();
    expect(ferry('--help')).toContain('usage: ferry <command>');
    expect(ferry('version', '-o', 'json')).toContain(`"node": "${process.version}"`);
    // ESM that imports Node's built-ins by their node: names; tsx is nowhere in it.
    const entry = readFileSync(bundle, 'utf8');
    expect(entry).toMatch(/from\s*"node:/);
    expect(entry).not.toMatch(/\btsx\b/);
    expect(JSON.parse(readFileSync(join(dirname(bundle), '..', 'current.json'), 'utf8')).inputs).toContain('lib/cli/main.ts');
  }, 120_000);

  it('is built again when a file it was built from changed after it, and not otherwise', async () => {
    const first = await cliBundle();
    expect(await cliBundle()).toBe(first);
    const source = join(repo, 'lib', 'cli', 'printable.ts');
    const { atime, mtime } = statSync(source);
    try {
      utimesSync(source, atime, new Date());
      const second = await cliBundle();
      expect(second).not.toBe(first);
      expect(ferry('--help')).toContain('usage: ferry <command>');
    } finally {
      utimesSync(source, atime, mtime);
    }
  }, 120_000);
});
