// Golden cases of the restore pipeline, run through `ferry transform`: each folder of test/golden/transform
// holds input/ (manifests), spec/ (restore.yaml, modifiers.yaml, args: extra flags) and expected/ (output.yaml,
// the YAML the command prints, and problems.json, its exit code, warnings, errors and skipped objects).
// UPDATE_GOLDEN=1 rewrites expected/ from the current output; review the diff before committing it.
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTransform, type TransformIo } from '../../../lib/cli/transform.js';

const ROOT = join(import.meta.dirname, '../../golden/transform');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function fsIo(out: string[], err: string[]): TransformIo {
  return {
    readFile: (path) => readFile(path),
    readDir: async (path) => ((await stat(path).catch(() => undefined))?.isDirectory() ? readdir(path) : undefined),
    stdout: (s) => { out.push(s); },
    stderr: (s) => { err.push(s); },
  };
}

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runTransform(argv, fsIo(out, err));
  return { code, stdout: out.join(''), stderr: err.join('') };
}

function argsOf(dir: string): string[] {
  const spec = join(dir, 'spec');
  const args: string[] = [];
  if (existsSync(join(spec, 'restore.yaml'))) args.push('-f', join(spec, 'restore.yaml'));
  if (existsSync(join(spec, 'modifiers.yaml'))) args.push('--modifiers', join(spec, 'modifiers.yaml'));
  if (existsSync(join(spec, 'args'))) args.push(...readFileSync(join(spec, 'args'), 'utf8').split(/\s+/).filter(Boolean));
  return [...args, join(dir, 'input')];
}

const cases = readdirSync(ROOT).filter((name) => existsSync(join(ROOT, name, 'input'))).sort();

describe('golden transform cases', () => {
  it('finds the golden cases', () => {
    expect(cases).toContain('seed');
  });

  it.each(cases)('%s: prints the expected objects and reports the expected problems', async (name) => {
    const dir = join(ROOT, name);
    const args = argsOf(dir);
    const yaml = await run(args);
    const json = await run([...args, '-o', 'json']);
    expect(json.code).toBe(yaml.code);
    const parsed = JSON.parse(json.stdout) as { items: unknown[]; warnings: unknown[]; errors: unknown[]; skipped: unknown[] };
    const problems = { exitCode: json.code, warnings: parsed.warnings, errors: parsed.errors, skipped: parsed.skipped };
    const expectedDir = join(dir, 'expected');
    if (UPDATE) {
      mkdirSync(expectedDir, { recursive: true });
      writeFileSync(join(expectedDir, 'output.yaml'), yaml.stdout);
      writeFileSync(join(expectedDir, 'problems.json'), `${JSON.stringify(problems, null, 2)}\n`);
    }
    expect(yaml.stdout).toBe(readFileSync(join(expectedDir, 'output.yaml'), 'utf8'));
    expect(problems).toEqual(JSON.parse(readFileSync(join(expectedDir, 'problems.json'), 'utf8')));
  });
});
