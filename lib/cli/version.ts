import pkg from '../../package.json' with { type: 'json' };
import { readCommandArgs } from './args.js';
import type { Command } from './io.js';
import { formatData, outputFormat } from './output.js';

const USAGE = `usage: ferry version [-o text|json|yaml]   (also: ferry --version)

Prints Ferry's version, the Node.js it runs on, and the format of the backups it writes.
`;

/** Ferry's version, from its package.json (inlined by the CLI bundle, which runs from dist/cli). */
export function ferryVersion(): string {
  return (pkg as { version?: string }).version ?? 'unknown';
}

/** `ferry version`. */
export const run: Command = async (argv, io) => {
  const args = readCommandArgs('version', USAGE, argv, { output: true }, { '-o': 'output' }, io);
  if (typeof args === 'number') return args;
  const format = outputFormat(args.flags.get('output')?.at(-1), ['text', 'json', 'yaml']);
  const info = { ferry: ferryVersion(), node: process.version, platform: `${process.platform}/${process.arch}`, backupFormat: 'Velero archive 1.1.0, ferry.dev/v1 BackupManifest' };
  io.stdout(formatData(format, info) ?? `ferry ${info.ferry} (node ${info.node}, ${info.platform}; backups: ${info.backupFormat})\n`);
  return 0;
};
