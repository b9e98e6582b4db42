/** The text `ferry backups describe` and `verify` print. Every string from a backup is printed on one line. */
import type { CatalogEntry } from '../catalog/catalog-entry.js';
import type { Verdict } from '../catalog/validate.js';
import { age, formatBytes, oneLine, shortDuration } from './output.js';

/** The text of `describe`; `note` says where the entry came from when it is not the catalog's. */
export function describeEntry(e: CatalogEntry, now: Date, note?: string): string {
  const lines = [
    `Name:            ${e.name}`,
    `Phase:           ${e.phase}${e.backupPhase && e.backupPhase !== e.phase ? ` (the backup says ${oneLine(e.backupPhase)})` : ''}`,
    `Verified:        ${e.verified ? 'yes, against its manifest' : 'no'}`,
    `Format:          ${e.format}`,
    `Source cluster:  ${oneLine(e.sourceCluster ?? '<unknown>')}${e.sourceClusterVersion ? ` (Kubernetes ${oneLine(e.sourceClusterVersion)})` : ''}`,
    `Created:         ${e.created ? `${oneLine(e.created)} (${age(e.created, now)} ago)` : '<unknown>'}`,
    `Completed:       ${oneLine(e.completed ?? '<unknown>')}`,
    `Expires:         ${e.expires ? `${oneLine(e.expires)} (${expiresIn(e.expires, now)})` : '<never>'}`,
    `Size:            ${formatBytes(e.size)}`,
    `Items:           ${e.counts.items}${e.errors !== undefined ? `   Errors: ${e.errors}   Warnings: ${e.warnings ?? 0}` : ''}`,
    `Indexed:         ${note ?? e.indexedAt}`,
    '', ...countLines(e.counts), '', ...problemLines(e.problems),
  ];
  return `${lines.join('\n')}\n`;
}

/** The text of `verify`. */
export function describeVerdict(v: Verdict, updated: boolean): string {
  const lines = [
    `Backup ${v.name}: ${v.phase}${v.verified ? ', verified against its manifest' : ', not verified'}${updated ? ' (catalog entry written)' : ''}`,
    `Files: ${v.files.length}, ${formatBytes(v.size)}${v.formatVersion ? `; archive format ${oneLine(v.formatVersion)}` : ''}`,
    '', ...(v.counts ? countLines(v.counts) : []), '', ...problemLines(v.problems),
  ];
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}

/** A verdict as data: the files by key and size only. */
export function verdictJson(v: Verdict): Record<string, unknown> {
  const { files, ...rest } = v;
  return { ...rest, files: files.map((f) => ({ key: f.key, size: f.size })) };
}

/** `in 29d`, `expired 3h ago`, `<never>`. */
export function expiresIn(expires: string | undefined, now: Date): string {
  if (!expires) return '<never>';
  const ms = Date.parse(expires) - now.getTime();
  return ms > 0 ? `in ${shortDuration(ms)}` : `expired ${shortDuration(-ms)} ago`;
}

function countLines(c: CatalogEntry['counts']): string[] {
  const sorted = (m: Record<string, number>) => Object.entries(m).sort(([a], [b]) => a.localeCompare(b));
  return [
    'Items by namespace:', ...(c.cluster ? [`  (cluster-scoped)  ${c.cluster}`] : []), ...sorted(c.byNamespace).map(([k, n]) => `  ${oneLine(k)}  ${n}`),
    'Items by resource:', ...sorted(c.byResource).map(([k, n]) => `  ${oneLine(k)}  ${n}`),
  ];
}

function problemLines(problems: string[]): string[] {
  return problems.length ? ['Problems:', ...problems.map((p) => `  - ${oneLine(p)}`)] : ['Problems: none'];
}

/** One line of a backup's log, its logrus fields as data (`time`, `level`, `msg`, and the rest). */
export type LogLine = Record<string, string>;

const FIELD = /([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|\S*)/g;

/** The lines of a logrus-format log as data; a line that is not `key=value` pairs is kept whole as `msg`. */
export function parseLogLines(text: string): LogLine[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((line) => {
    const fields: LogLine = {};
    for (const [, key, raw] of line.matchAll(FIELD)) {
      try {
        fields[key!] = raw!.startsWith('"') ? JSON.parse(raw!) as string : raw!;
      } catch {
        fields[key!] = raw!;
      }
    }
    return Object.keys(fields).length ? fields : { msg: line };
  });
}
