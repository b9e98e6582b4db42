/**
 * How the CLI prints: output formats (`-o text|wide|json|yaml`), tables that fit the terminal, counts in words,
 * and every string from a backup or a cluster with its control characters escaped, so that what a hostile backup
 * holds can never move the cursor, recolour or overwrite what Ferry printed.
 */
import { stringify } from 'yaml';
import { UsageError } from './args.js';
import { oneLine } from './printable.js';

/** The formats a read verb prints. */
export type OutputFormat = 'text' | 'wide' | 'json' | 'yaml';

/** Reads `-o`: text (the default), wide (more table columns), json or yaml. */
export function outputFormat(value: string | undefined, allowed: readonly OutputFormat[] = ['text', 'wide', 'json', 'yaml']): OutputFormat {
  const format = (value ?? 'text') as OutputFormat;
  if (!allowed.includes(format)) throw new UsageError(`-o: expected ${allowed.join(', ')}, got "${value}"`);
  return format;
}

/** The data of a read verb as JSON or YAML; undefined for the text formats (the verb prints its own text). */
export function formatData(format: OutputFormat, value: unknown): string | undefined {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  if (format === 'yaml') return stringify(value, { lineWidth: 0 });
  return undefined;
}

export { oneLine, printable } from './printable.js';

/** `1 item`, `3 items`; `plural(2, 'entry', 'entries')`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** 1536 -> "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

/**
 * A table with a header row, columns two spaces apart. When `width` is given and the table is wider, the widest
 * cells are cut (ending in "…") until it fits, down to a floor of 8 characters a column, the first column (names)
 * last; the last column is not padded.
 */
export function table(rows: string[][], width?: number): string {
  const cells = rows.map((r) => r.map(oneLine));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  if (width !== undefined) {
    while (total() > width) {
      // The first column (the name the next command takes) is cut only when the others cannot give more.
      const others = widths.slice(1);
      const widest = others.some((w) => w > 8) ? 1 + others.indexOf(Math.max(...others)) : 0;
      if (widths[widest]! <= 8) break;
      widths[widest] = Math.max(8, widths[widest]! - (total() - width));
    }
  }
  const fit = (c: string, w: number) => (c.length > w ? `${c.slice(0, w - 1)}…` : c);
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? fit(c, widths[i]!) : fit(c, widths[i]!).padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

/** A duration as Velero prints ages: 45s, 12m, 5h, 3d. */
export function shortDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** How long ago `time` was, or `<unknown>`. */
export function age(time: string | undefined, now: Date): string {
  return time ? shortDuration(Math.max(0, now.getTime() - Date.parse(time))) : '<unknown>';
}
