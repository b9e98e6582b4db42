// Runs the real `ferry` command (bin/ferry.js in a child process) against the local stack, as a user's shell would.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { stackDir, stackEnv } from './stack.js';

const bin = resolve(import.meta.dirname, '../../bin/ferry.js');

/** What one run of the command did. */
export interface FerryRun {
  code: number | null;
  out: string;
  err: string;
}

/** The environment of a user who sourced .stack/env and exported FERRY_CONFIG, plus `extra`. */
export function ferryEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...stackEnv(), FERRY_CONFIG: join(stackDir(), 'ferry.yaml'), ...extra };
}

/** Starts `ferry args...`; the caller waits for it or stops it. */
export function startFerry(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): ChildProcess & { result: Promise<FerryRun> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd ?? process.cwd(), env: ferryEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  const result = new Promise<FerryRun>((done) => child.on('close', (code) => done({ code, out, err })));
  return Object.assign(child, { result });
}

/** Runs `ferry args...` to its end. */
export function ferry(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<FerryRun> {
  return startFerry(args, options).result;
}
