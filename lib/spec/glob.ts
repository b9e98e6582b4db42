import { compileGoRegex, GoRegexSyntaxError, type GoRegex } from './go-regex.js';

/**
 * Glob patterns as Velero uses them (gobwas/glob): `*` any run, `?` one character, `[abc]` / `[a-z]` / `[!a]`
 * classes, `{a,b}` alternatives, `\` escapes. With a separator, `*` and `?` do not cross it and `**` does.
 */
export interface GlobOptions {
  /** A character that single `*` and `?` do not match, such as `.` for group-resources. */
  separator?: string;
}

/** A compiled glob: call `test(value)`. */
export interface Glob {
  readonly pattern: string;
  test(value: string): boolean;
}

/** Thrown for a pattern that cannot be compiled, such as an unclosed `[` or `{`. */
export class GlobSyntaxError extends Error {
  override name = 'GlobSyntaxError';
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Compiles a glob to an anchored regular expression; throws GlobSyntaxError on a malformed pattern. */
export function compileGlob(pattern: string, options: GlobOptions = {}): Glob {
  const sep = options.separator;
  const notSep = sep ? `[^${escapeRegex(sep)}]` : '[\\s\\S]';
  let out = '';
  let braceDepth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) throw new GlobSyntaxError(`pattern "${pattern}" ends with a lone "\\"`);
      out += escapeRegex(next);
      i++;
    } else if (c === '*') {
      if (pattern[i + 1] === '*') {
        out += '[\\s\\S]*';
        i++;
      } else {
        out += `${notSep}*`;
      }
    } else if (c === '?') {
      out += notSep;
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new GlobSyntaxError(`pattern "${pattern}" has a "[" without its "]"`);
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else if (c === '{') {
      braceDepth++;
      out += '(?:';
    } else if (c === '}' && braceDepth > 0) {
      braceDepth--;
      out += ')';
    } else if (c === ',' && braceDepth > 0) {
      out += '|';
    } else {
      out += escapeRegex(c);
    }
  }
  if (braceDepth > 0) throw new GlobSyntaxError(`pattern "${pattern}" has a "{" without its "}"`);
  // RE2, not RegExp: a glob of several stars compiles to a regex that backtracks polynomially in JavaScript.
  let re: GoRegex;
  try {
    re = compileGoRegex(`^${out}$`);
  } catch (err) {
    if (!(err instanceof GoRegexSyntaxError)) throw err;
    throw new GlobSyntaxError(`pattern "${pattern}" is not a valid glob: ${err.message}`, { cause: err });
  }
  return { pattern, test: (value: string) => re.test(value) };
}

/** Returns a problem message for a malformed glob, or undefined when it compiles. */
export function checkGlob(pattern: string, options: GlobOptions = {}): string | undefined {
  try {
    compileGlob(pattern, options);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
