import { joinPath, type Problem } from '../../spec/problems.js';

/** A field path inside the rules document: keys and list indexes. */
export type FieldPath = readonly (string | number)[];

/** Finds the 1-based line and column of a field path in the source, when the source has it. */
export type PositionOf = (path: FieldPath) => { line: number; column: number } | undefined;

/** Collects problems with their field path, and the line and column of the nearest field the source has. */
export class Reporter {
  readonly problems: Problem[] = [];

  /** `prefix` is prepended to every path (`data.<key>` for rules inside a ConfigMap); `suffix` is added to messages. */
  constructor(readonly document: string, private readonly positionOf: PositionOf, private readonly prefix: FieldPath = [],
    private readonly locate?: (path: FieldPath) => string) {}

  /** Records one problem at `path`. */
  add(path: FieldPath, message: string): void {
    let position: { line: number; column: number } | undefined;
    for (let n = path.length; n >= 0 && !position; n--) position = this.positionOf(path.slice(0, n));
    const where = this.locate ? this.locate(path) : '';
    // Every problem inside a rule names the rule's index, so a user can find it among many.
    const rule = path[0] === 'resourceModifierRules' && typeof path[1] === 'number' ? `rule ${path[1]}: ` : '';
    this.problems.push({
      document: this.document,
      path: joinPath(...this.prefix, ...path),
      message: `${rule}${message}${where}`,
      ...(position ? { line: position.line, column: position.column } : {}),
    });
  }
}

/** Describes a value briefly for messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

/** Reports every key of `raw` that is not in `known`, with a hint where one helps. */
export function checkKeys(raw: Record<string, unknown>, at: FieldPath, known: readonly string[], report: Reporter,
  hint?: (key: string) => string | undefined): void {
  for (const key of Object.keys(raw)) {
    if (known.includes(key)) continue;
    const sameButCase = known.find((k) => k.toLowerCase() === key.toLowerCase());
    const message = hint?.(key)
      ?? (sameButCase ? `unknown field "${key}": field names are case-sensitive, write "${sameButCase}"` : undefined)
      ?? `unknown field "${key}" (expected ${known.join(', ')})`;
    report.add([...at, key], message);
  }
}
