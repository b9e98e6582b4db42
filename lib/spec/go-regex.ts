import { RE2JS, RE2JSException } from 're2js';

/**
 * Regular expressions as Velero runs them: Go's `regexp` package (RE2 syntax, linear-time matching). A pattern a
 * user writes is never handed to JavaScript's backtracking RegExp, so `^(a+)+$` cannot hang a restore, and RE2's
 * meanings hold: `[[:alpha:]]` is a letter, `(?P<name>...)` a named group, `(?U)` ungreedy. What RE2 rejects
 * (backreferences, lookaround, repeat counts over 1000, ...) is rejected here with RE2's own message.
 */

/** A compiled RE2 expression: `test(value)` is true when it matches anywhere in `value`, as Go's MatchString. */
export interface GoRegex {
  readonly pattern: string;
  test(value: string): boolean;
}

/** Thrown for a pattern that RE2 does not accept; the message is RE2's, such as "invalid escape sequence: `\1`". */
export class GoRegexSyntaxError extends Error {
  override name = 'GoRegexSyntaxError';

  constructor(readonly pattern: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Compiles `pattern` with RE2 semantics; throws GoRegexSyntaxError when RE2 rejects it. */
export function compileGoRegex(pattern: string): GoRegex {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    if (!(err instanceof RE2JSException)) throw err;
    throw new GoRegexSyntaxError(pattern, err.message, { cause: err });
  }
  return { pattern, test: (value: string) => re.test(value) };
}
