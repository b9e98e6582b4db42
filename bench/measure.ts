// Pure arithmetic and text of the side-by-side benches (bench/velero.ts, bench/restore-cli.ts): medians, rates,
// ratios, GNU time's output, /proc/<pid>/stat's CPU fields and markdown tables. No I/O here.

/** What one timed run of one contender took. */
export interface RunTiming {
  /** Wall seconds from spawning the command to its exit (or to the phase it waits for). */
  seconds: number;
  /** CPU seconds of the command's own process tree (user + system), when known. */
  cpuSeconds?: number;
  /** CPU seconds of the servers (API server, etcd, S3 server, Velero's server) during the run. */
  serverCpuSeconds?: number;
}

/** The median of `xs` (the mean of the middle two for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Objects per second; NaN when no time passed. */
export function rate(objects: number, seconds: number): number {
  return seconds > 0 ? objects / seconds : Number.NaN;
}

/** How the contender `a` did against `b`, the reference: rate of a over rate of b, i.e. b's time over a's. */
export function ratio(aSeconds: number, bSeconds: number): number {
  return aSeconds > 0 ? bSeconds / aSeconds : Number.NaN;
}

/**
 * The order of the contenders in round `round` (0-based): the first one leads in even rounds, the second in odd ones,
 * so that over the rounds neither always runs on the warmer (or more loaded) server.
 */
export function roundOrder<T>(round: number, contenders: readonly [T, T]): [T, T] {
  return round % 2 === 0 ? [contenders[0], contenders[1]] : [contenders[1], contenders[0]];
}

/**
 * Wall and CPU seconds from GNU time's `-f '%e %U %S'` output: its last line; the lines before it are GNU time's
 * own notes ("Command exited with non-zero status 1").
 */
export function parseTimeOutput(text: string): { wallSeconds: number; cpuSeconds: number } {
  const last = text.trimEnd().split('\n').at(-1) ?? '';
  const fields = last.trim().split(/\s+/).map(Number);
  if (fields.length !== 3 || fields.some((f) => !Number.isFinite(f) || f < 0)) {
    throw new Error(`GNU time's output should end in "<wall> <user> <system>" seconds, got ${JSON.stringify(last)}`);
  }
  return { wallSeconds: fields[0]!, cpuSeconds: fields[1]! + fields[2]! };
}

/** User plus system CPU seconds from one /proc/<pid>/stat line, with `ticks` clock ticks a second. */
export function cpuSecondsFromStat(stat: string, ticks: number): number {
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc/<pid>/stat line: ${JSON.stringify(stat.slice(0, 80))}`);
  const fields = stat.slice(close + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`no utime/stime in /proc/<pid>/stat line: ${JSON.stringify(stat.slice(0, 80))}`);
  return (utime + stime) / ticks;
}

/** A number with `digits` decimals, or "-" when it is not known. */
export function fixed(n: number | undefined, digits: number): string {
  return n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits);
}

/** A markdown table: a header row, the alignment row (numbers right-aligned after the first column) and the rows. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  for (const row of rows) {
    if (row.length !== headers.length) throw new Error(`a row has ${row.length} cells for ${headers.length} columns: ${row.join(' | ')}`);
  }
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const align = headers.map((_, i) => (i === 0 ? '---' : '---:'));
  return [line(headers), line(align), ...rows.map(line)].join('\n');
}

/** The medians of a contender's runs: wall seconds, its own CPU seconds and the servers'. */
export function medianTiming(runs: readonly RunTiming[]): RunTiming {
  const known = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined);
  const cpu = known(runs.map((r) => r.cpuSeconds));
  const server = known(runs.map((r) => r.serverCpuSeconds));
  return {
    seconds: median(runs.map((r) => r.seconds)),
    ...(cpu.length > 0 ? { cpuSeconds: median(cpu) } : {}),
    ...(server.length > 0 ? { serverCpuSeconds: median(server) } : {}),
  };
}

/** The objects a `ferry restore` created, from the summary it prints ("  objects: 20 (19 created, ...)"). */
export function createdBySummary(summary: string): number {
  const match = /^\s*objects: \d+ \((\d+) created,/m.exec(summary);
  if (!match) throw new Error(`no "objects: N (M created, ...)" line in ferry restore's summary:\n${summary.slice(0, 500)}`);
  return Number(match[1]);
}

/** The items a `ferry backup` wrote, from the summary it prints ("  items:    2020 (1.2 MiB compressed)"). */
export function itemsBySummary(summary: string): number {
  const match = /^\s*items:\s+(\d+)/m.exec(summary);
  if (!match) throw new Error(`no "items: N" line in ferry backup's summary:\n${summary.slice(0, 500)}`);
  return Number(match[1]);
}

/** Phase and item count of a Velero Backup or Restore, from `velero backup|restore get NAME -o json`. */
export function veleroProgress(json: string): { phase: string; items: number } {
  const o = JSON.parse(json) as { kind?: string; status?: { phase?: string; progress?: { itemsBackedUp?: number; itemsRestored?: number } } };
  const phase = o.status?.phase;
  if (!phase) throw new Error(`no status.phase in Velero's ${o.kind ?? 'object'}: ${json.slice(0, 300)}`);
  return { phase, items: o.status?.progress?.itemsBackedUp ?? o.status?.progress?.itemsRestored ?? 0 };
}
