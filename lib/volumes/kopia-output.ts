/**
 * Reads what a mover reported in its termination message: kopia's snapshot JSON after a backup, its "Restored ..."
 * line after a restore, or the step that failed and kopia's error text. Pure; the text comes from a pod and is
 * checked field by field.
 */
import { isRecord } from '../model/object.js';
import type { MoverFailureKind } from './errors.js';
import type { FilledVolume, MovedVolume } from './mover.js';

const PREFIX = 'ferry-mover: ';

/** A mover's report: done with its text, or failed at a step with kopia's words and what kind of failure it is. */
export type MoverReport = { ok: true; text: string } | { ok: false; step: string; detail: string; kind: MoverFailureKind };

/** Reads a termination message; undefined when it is not a mover's report (the container died before reporting). */
export function readMoverReport(message: string | undefined): MoverReport | undefined {
  if (!message?.startsWith(PREFIX)) return undefined;
  const rest = message.slice(PREFIX.length);
  if (rest.startsWith('ok')) return { ok: true, text: rest.slice(2).trim() };
  const failed = /^(\w+) failed: ?([\s\S]*)$/.exec(rest);
  if (!failed) return undefined;
  const detail = lastErrorLines(failed[2] ?? '');
  return { ok: false, step: failed[1]!, detail, kind: failureKind(failed[1]!, detail) };
}

/** The kind of a failure from kopia's words: a wrong password, data that fails its checks, or anything else. */
export function failureKind(step: string, detail: string): MoverFailureKind {
  if (/invalid repository password/i.test(detail)) return 'wrong-password';
  if (step !== 'connect' && step !== 'create' && /(unable to (decrypt|verify)|cipher: message authentication failed|checksum|invalid checksum|decrypt|corrupt|unable to read blob|BLOB not found)/i.test(detail)) return 'corrupt';
  return 'failed';
}

/** kopia's error text without its progress lines: the last lines that say "error" or "ERROR", else the last line. */
export function lastErrorLines(text: string): string {
  const lines = text.split(/\r?\n|\r/).map((l) => l.trim()).filter(Boolean);
  const errors = lines.filter((l) => /error/i.test(l));
  return (errors.length > 0 ? errors.slice(-3) : lines.slice(-1)).join('; ').slice(0, 1000);
}

/** Reads kopia's `snapshot create --json` output into what the backup records; a clear error for anything else. */
export function parseSnapshotJson(text: string): MovedVolume | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: `kopia's snapshot output is not JSON: ${JSON.stringify(text.slice(0, 200))}` };
  }
  if (!isRecord(value)) return { problem: 'kopia\'s snapshot output is not an object' };
  const id = value.id;
  if (typeof id !== 'string' || !/^[0-9a-zA-Z]+$/.test(id)) return { problem: `kopia's snapshot output has no usable id (${JSON.stringify(id)})` };
  // NOTE: kopia's JSON is the snapshot manifest: its sizes are in rootEntry.summ (stats is not printed).
  const root = isRecord(value.rootEntry) ? value.rootEntry : undefined;
  const summary = root && isRecord(root.summ) ? root.summ : undefined;
  if (!summary) return { problem: 'kopia\'s snapshot output has no rootEntry.summ' };
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
  const failed = num(summary.numFailed);
  if (failed > 0) return { problem: `kopia could not read ${failed} entr${failed === 1 ? 'y' : 'ies'} of the volume` };
  return {
    snapshotId: id, bytes: num(summary.size), files: num(summary.files), dirs: num(summary.dirs), symlinks: num(summary.symlinks), source: 'live',
  };
}

/** Reads kopia's "Restored 3 files, 2 directories and 1 symbolic links (1.2 KB)." line; empty when absent. */
export function parseRestoredLine(text: string): FilledVolume {
  const m = /Restored (\d+) files?, (\d+) director(?:y|ies) and (\d+) symbolic links?/.exec(text);
  return m ? { files: Number(m[1]), dirs: Number(m[2]), symlinks: Number(m[3]) } : {};
}
