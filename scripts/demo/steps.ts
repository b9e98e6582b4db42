/** Progress and timing for the demo: each step announces itself, says how long it took, and is kept for the summary. */

/** One finished step. */
export interface StepTiming {
  name: string;
  ms: number;
  ok: boolean;
}

/** Runs named steps in order, printing progress to stderr. */
export class Steps {
  readonly timings: StepTiming[] = [];
  private index = 0;

  constructor(private readonly total: number, private readonly write: (text: string) => void = (t) => process.stderr.write(t)) {}

  /** Runs one step; a failure is reported with the step's name and rethrown. */
  async run<T>(name: string, fn: (note: (line: string) => void) => Promise<T>): Promise<T> {
    this.index++;
    const label = `[${this.index}/${this.total}] ${name}`;
    this.write(`\n${label} ...\n`);
    const started = Date.now();
    try {
      const out = await fn((line) => this.write(`      ${line}\n`));
      const ms = Date.now() - started;
      this.timings.push({ name, ms, ok: true });
      this.write(`${label}: done in ${formatMs(ms)}\n`);
      return out;
    } catch (err) {
      const ms = Date.now() - started;
      this.timings.push({ name, ms, ok: false });
      this.write(`${label}: FAILED after ${formatMs(ms)}: ${(err as Error).message}\n`);
      throw new StepFailed(name, err);
    }
  }
}

/** A step failed; carries the step's name. */
export class StepFailed extends Error {
  override name = 'StepFailed';
  constructor(readonly step: string, cause: unknown) {
    super(`step "${step}" failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/** `850 ms`, `2.4 s`, `1 min 5 s`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
