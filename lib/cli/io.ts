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
}

/** One `ferry` subcommand: takes its arguments (after the command words) and returns the exit code. */
export type Command = (argv: string[], io: CliIo) => Promise<number>;
