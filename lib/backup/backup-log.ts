/**
 * The backup's own log, kept as Velero keeps it: `<name>-logs.gz` in the backup's folder, gzipped text lines in
 * logrus's format (`time="..." level=info msg="..." backup=<name>`), which `ferry backups logs NAME` prints and
 * `velero backup logs` reads. Every line the run logs goes there as well as to the caller's log.
 */
import { gzipSync } from 'node:zlib';
import type { BackupLog } from './types.js';

/** At most this many lines are kept; a line says how many more were dropped. */
const MAX_LINES = 20_000;

/** Records the lines of one run. */
export class BackupLogFile {
  private readonly lines: string[] = [];
  private dropped = 0;

  /** `earlier`: the lines of the invocations before this one (a backup handed over, lib/backup/hand-off.ts). */
  constructor(private readonly backup: string, private readonly clock: () => Date, earlier: readonly string[] = []) {
    this.lines.push(...earlier.slice(0, MAX_LINES));
  }

  /** The lines recorded so far, to hand to the next invocation. */
  recorded(): string[] {
    return [...this.lines];
  }

  /** A log that writes to `inner` (when given) and records each line here. */
  wrap(inner: BackupLog | undefined): BackupLog {
    return {
      info: (message, data) => { this.record('info', message, data); inner?.info(message, data); },
      warn: (message, data) => { this.record('warning', message, data); inner?.warn(message, data); },
    };
  }

  /** Records one line. */
  record(level: 'info' | 'warning' | 'error', message: string, data?: Record<string, unknown>): void {
    if (this.lines.length >= MAX_LINES) {
      this.dropped++;
      return;
    }
    const fields = Object.entries(data ?? {}).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}=${quote(text(v))}`);
    this.lines.push(`time="${this.clock().toISOString()}" level=${level} msg=${quote(message)} backup=${this.backup}${fields.join('')}`);
  }

  /** The gzipped file. */
  gzip(): Uint8Array {
    const tail = this.dropped ? [`time="${this.clock().toISOString()}" level=warning msg="${this.dropped} more lines were not kept" backup=${this.backup}`] : [];
    return gzipSync(`${[...this.lines, ...tail].join('\n')}\n`);
  }
}

/** A field's value as text: an error by its message (its stack stays in the caller's log), the rest as JSON. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.message;
  return JSON.stringify(value) ?? String(value);
}

/** Quotes a value as logrus does (Go's %q): always, with escapes, so a line is one line whatever the message holds. */
function quote(value: string): string {
  return JSON.stringify(value);
}
