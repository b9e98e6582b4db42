import { ConfigError, loadConfig, openStore } from '../compose.js';
import { formatOutcome } from '../restore/apply/outcome.js';
import { readResult } from '../restore/result-store.js';
import { BucketDataError, NotFoundError } from '../store/errors.js';
import { isValidName } from '../store/layout.js';
import { SpecError } from '../spec/problems.js';
import { configPath, flag, readCommandArgs } from './args.js';
import type { Command } from './io.js';
import { formatSummary } from './restore.js';

const USAGE = `usage: ferry restores describe <name> [--location <name>] [--config <ferry.yaml>] [-o text|json]

Prints the stored result of a restore: its phase, counts, problems by namespace and every object's outcome.
`;

/** `ferry restores describe NAME`: prints a stored restore result. */
export const run: Command = async (argv, io) => {
  const args = readCommandArgs('restores', USAGE, argv, { location: true, config: true, output: true }, { '-o': 'output' }, io);
  if (typeof args === 'number') return args;
  const [verb, name, ...extra] = args.positional;
  const output = flag(args, 'output') ?? 'text';
  if (verb !== 'describe' || !name || extra.length > 0 || !isValidName(name) || (output !== 'text' && output !== 'json')) {
    io.stderr(`ferry restores: ${verb !== 'describe' ? 'expected the verb describe' : !name ? 'name the restore' : `invalid argument`}\n\n${USAGE}`);
    return 2;
  }
  try {
    const config = await loadConfig(configPath(flag(args, 'config'), io), io.env);
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
    if (err instanceof SpecError || err instanceof ConfigError || err instanceof BucketDataError) {
      io.stderr(`ferry restores: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
};
