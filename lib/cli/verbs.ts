/** The `list | describe NAME` shape that `ferry restores` and `ferry schedules` share, read from parsed arguments. */
import { didYouMean, flag, type ParsedArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { outputFormat, type OutputFormat } from './output.js';

/** A list or describe request: the verb, the name to describe, and the output format. */
export interface ListOrDescribe {
  verb: 'list' | 'describe';
  name?: string;
  format: OutputFormat;
}

/**
 * Reads `list [-o text|wide|json|yaml]` or `describe NAME [-o text|json|yaml]`; `checkName` may refuse a name. On a
 * mistake, prints it with the usage and returns exit code 2.
 */
export function readListOrDescribe(command: string, noun: string, usage: string, args: ParsedArgs, io: CliIo, checkName?: (name: string) => string | undefined): ListOrDescribe | number {
  const [verb, name, ...extra] = args.positional;
  try {
    if (verb !== 'list' && verb !== 'describe') throw new UsageError(verb ? `unknown verb "${verb}"${didYouMean(verb, ['list', 'describe'])}` : 'expected list or describe');
    const format = outputFormat(flag(args, 'output'), verb === 'list' ? ['text', 'wide', 'json', 'yaml'] : ['text', 'json', 'yaml']);
    if (verb === 'list' && name !== undefined) throw new UsageError(`unexpected argument ${name}`);
    if (verb === 'describe' && !name) throw new UsageError(`name the ${noun} to describe`);
    const refused = name !== undefined ? checkName?.(name) : undefined;
    if (refused) throw new UsageError(refused);
    if (extra.length) throw new UsageError(`unexpected argument ${extra[0]}`);
    return { verb, format, ...(name !== undefined ? { name } : {}) };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`ferry ${command}: ${err.message}\n\n${usage}`);
    return 2;
  }
}
