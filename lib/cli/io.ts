/** What a CLI command may touch of the outside world; tests pass a recording fake. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): Promise<Buffer>;
  /** Names of the entries of a folder, or undefined when `path` is not a folder. */
  readDir(path: string): Promise<string[] | undefined>;
  env: Record<string, string | undefined>;
  cwd: string;
  /** True when stderr is a terminal (progress may redraw a line). */
  interactive: boolean;
  /** The terminal's width when stdout is a terminal: tables are cut to fit it. */
  columns?: number;
  /** Replaces the current status line on stderr (a terminal only); without it, `\r` and erase-line are written. */
  redraw?(text: string): void;
  /** Milliseconds a step may take before a line says what Ferry is waiting for (default 1000). */
  slowAfterMs?: number;
  /**
   * Calls `handler` on the first SIGINT, SIGTERM or SIGHUP (a second one ends the process at once); returns what
   * stops watching. Without it, signals end the process as Node's defaults do.
   */
  onSignal?(handler: (signal: string) => void): () => void;
}

/** One `ferry` subcommand: takes its arguments (after the command words) and returns the exit code. */
export type Command = (argv: string[], io: CliIo) => Promise<number>;

/** Rewrites the status line on a terminal. */
export function redraw(io: CliIo, text: string): void {
  if (io.redraw) io.redraw(text);
  else io.stderr(`\r\x1b[K${text}`);
}
