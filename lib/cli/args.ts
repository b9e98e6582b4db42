import { resolve as resolvePath } from 'node:path';

/** A parsed command line: flags by name (repeatable flags keep every value) and positional arguments. */
export interface ParsedArgs {
  flags: Map<string, string[]>;
  positional: string[];
}

/** Thrown for a command line that cannot be understood; the CLI answers it with exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Parses `--flag value`, `--flag=value`, `-f value` and boolean `--flag`. `spec` lists every flag:
 * `true` for flags that take a value, `false` for switches; short aliases map to long names.
 */
export function parseArgs(argv: readonly string[], spec: Record<string, boolean>, aliases: Record<string, string> = {}): ParsedArgs {
  const flags = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const rawName = eq > 0 ? arg.slice(0, eq) : arg;
    const name = aliases[rawName] ?? rawName.replace(/^--?/, '');
    if (!(name in spec)) {
      const known = [...Object.keys(spec).map((k) => `--${k}`), ...Object.keys(aliases)];
      throw new UsageError(`unknown option ${rawName}${didYouMean(rawName, known)}`);
    }
    let value = 'true';
    if (spec[name]) {
      if (eq > 0) value = arg.slice(eq + 1);
      else if (i + 1 < argv.length) value = argv[++i]!;
      else throw new UsageError(`option ${rawName} needs a value`);
    } else if (eq > 0) {
      throw new UsageError(`option ${rawName} takes no value`);
    }
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return { flags, positional };
}

/** The last value of a flag, or undefined. */
export function flag(args: ParsedArgs, name: string): string | undefined {
  return args.flags.get(name)?.at(-1);
}

/** True when a switch was given. */
export function has(args: ParsedArgs, name: string): boolean {
  return args.flags.has(name);
}

/**
 * Parses a command's arguments and answers `--help` (usage on stdout, exit 0) and mistakes (the problem and the
 * usage on stderr, exit 2) itself. Returns the arguments, or the exit code the command should return.
 */
export function readCommandArgs(
  command: string, usage: string, argv: readonly string[], spec: Record<string, boolean>, aliases: Record<string, string>,
  io: { stdout(text: string): void; stderr(text: string): void },
): ParsedArgs | number {
  try {
    const args = parseArgs(argv, { ...spec, help: false }, { '-h': 'help', ...aliases });
    if (has(args, 'help')) {
      io.stdout(usage);
      return 0;
    }
    return args;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`ferry ${command}: ${err.message}\n\n${usage}`);
    return 2;
  }
}

/** The config file a command reads: `--config`, else $FERRY_CONFIG, else ./ferry.yaml; relative to the working folder. */
export function configPath(configFlag: string | undefined, io: { cwd: string; env: Record<string, string | undefined> }): string {
  return resolvePath(io.cwd, configFlag ?? io.env.FERRY_CONFIG ?? 'ferry.yaml');
}

/** Edit distance between two words (insertions, deletions, substitutions, swaps of neighbours). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidates a mistyped word most likely meant: those within an edit distance of a third of its length (at
 * least 1, at most 3), or that it is a prefix of; closest first.
 */
export function suggestions(word: string, candidates: readonly string[]): string[] {
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  return candidates
    .map((c) => ({ c, d: c.startsWith(word) && word.length >= 2 ? 0.5 : distance(word, c) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .map((x) => x.c);
}

/** ` (did you mean X?)` for the closest candidates, or nothing. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const found = [...new Set(suggestions(word, candidates))].slice(0, 2);
  return found.length ? ` (did you mean ${found.join(' or ')}?)` : '';
}
