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
    if (!(name in spec)) throw new UsageError(`unknown option ${rawName}`);
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
