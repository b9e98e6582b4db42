import { resolve } from 'node:path';
import { ConfigError, loadConfig, openStore } from '../compose.js';
import { formatOutcome } from '../restore/apply/outcome.js';
import { readResult } from '../restore/result-store.js';
import { NotFoundError } from '../store/errors.js';
import { isValidName } from '../store/layout.js';
import { SpecError } from '../spec/problems.js';
import { flag, has, parseArgs, UsageError } from './args.js';
import type { Command } from './io.js';
import { formatSummary } from './restore.js';

const USAGE = `usage: ferry restores describe <name> [--location <name>] [--config <ferry.yaml>] [-o text|json]

Prints the stored result of a restore: its phase, counts, problems by namespace and every object's outcome.
`;

/** `ferry restores describe NAME`: prints a stored restore result. */
export const run: Command = async (argv, io) => {
  let args;
  try {
    args = parseArgs(argv, { location: true, config: true, output: true, help: false }, { '-o': 'output', '-h': 'help' });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`ferry restores: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (has(args, 'help')) {
    io.stdout(USAGE);
    return 0;
  }
  const [verb, name, ...extra] = args.positional;
  const output = flag(args, 'output') ?? 'text';
  if (verb !== 'describe' || !name || extra.length > 0 || !isValidName(name) || (output !== 'text' && output !== 'json')) {
    io.stderr(`ferry restores: ${verb !== 'describe' ? 'expected the verb describe' : !name ? 'name the restore' : `invalid argument`}\n\n${USAGE}`);
    return 2;
  }
  try {
    const config = await loadConfig(resolve(io.cwd, flag(args, 'config') ?? io.env.FERRY_CONFIG ?? 'ferry.yaml'), io.env);
    const { store, layout } = openStore(config, flag(args, 'location'));
    const result = await readResult(store, layout, name);
    if (output === 'json') io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else io.stdout(`${formatSummary(result)}  items:\n${result.items.map((i) => `    ${formatOutcome(i)}`).join('\n')}\n`);
    return 0;
  } catch (err) {
    if (err instanceof NotFoundError) {
      io.stderr(`ferry restores: restore ${name} has no stored result\n`);
      return 2;
    }
    if (err instanceof SpecError || err instanceof ConfigError) {
      io.stderr(`ferry restores: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
};
