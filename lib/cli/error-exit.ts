/** Which errors end a command with which exit code (see exit-codes.ts). */
import { BackupExistsError } from '../backup/errors.js';
import { SourceClusterError } from '../backup/request.js';
import { BackupInUseError, NoSuchBackupError } from '../catalog/errors.js';
import { ConfigError } from '../compose.js';
import { ClusterError } from '../kube/errors.js';
import { RestoreIdentityError } from '../restore/identity.js';
import { ModifierSourceError } from '../restore/modifier-source.js';
import { RestoreRefusedError } from '../restore/run-restore.js';
import { SpecError } from '../spec/problems.js';
import { InvalidNameError } from '../store/layout.js';
import { NotFoundError, StoreError } from '../store/errors.js';
import { UsageError } from './args.js';
import { EXIT } from './exit-codes.js';

const INPUT_ERRORS = [UsageError, SpecError, ConfigError, SourceClusterError, BackupExistsError, RestoreIdentityError, RestoreRefusedError,
  ModifierSourceError, InvalidNameError, NoSuchBackupError, BackupInUseError];

/** The exit code for an error that ended a command. */
export function exitCodeOf(err: unknown): number {
  if (INPUT_ERRORS.some((c) => err instanceof c)) return EXIT.usage;
  if (err instanceof StoreError || err instanceof NotFoundError || err instanceof ClusterError) return EXIT.unreachable;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE)$/.test(code)) return EXIT.unreachable;
  return EXIT.internal;
}

