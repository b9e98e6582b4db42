/** A problem found in something a user wrote: which document, which field, what was expected. */
export interface Problem {
  /** The document, as the user knows it: a file name and index, or `kind/name`. */
  document: string;
  /** A dotted field path such as `spec.namespaceMapping.default`; `""` for the document as a whole. */
  path: string;
  message: string;
  /** 1-based position in the source text, where the parser knows it. */
  line?: number;
  column?: number;
}

/** Formats one problem as a single line a user can act on. */
export function formatProblem(p: Problem): string {
  const where = p.line !== undefined ? ` (line ${p.line}${p.column !== undefined ? `, column ${p.column}` : ''})` : '';
  const field = p.path ? ` ${p.path}` : '';
  return `${p.document}:${field}${where}: ${p.message}`;
}

/** Thrown when a spec is invalid; carries every problem found, never just the first. */
export class SpecError extends Error {
  override name = 'SpecError';
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[], options?: { cause?: unknown }) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} found:\n` +
      problems.map((p) => `  - ${formatProblem(p)}`).join('\n'), options);
    this.problems = problems;
  }
}

/** Collects problems for one document; `path` segments are joined with dots, indexes with brackets. */
export class ProblemCollector {
  readonly problems: Problem[] = [];

  constructor(readonly document: string) {}

  /** Records one problem at `path`. */
  add(path: string, message: string, position?: { line?: number; column?: number }): void {
    this.problems.push({ document: this.document, path, message, ...position });
  }

  /** Throws a SpecError with everything collected, if anything was. */
  throwIfAny(): void {
    if (this.problems.length > 0) throw new SpecError(this.problems);
  }
}

/** Joins a field path: `join('spec', 'rules', 0)` is `spec.rules[0]`. */
export function joinPath(...parts: (string | number)[]): string {
  return parts.reduce<string>((acc, part) => {
    if (typeof part === 'number') return `${acc}[${part}]`;
    if (part === '') return acc;
    return acc ? `${acc}.${part}` : part;
  }, '');
}
