/**
 * What a mover container runs, as pure functions: kopia's argument lists for an S3 repository and the small shell
 * script (busybox sh) that connects to the repository, creates it the first time, takes or restores one snapshot,
 * and reports in the container's termination message (`ferry-mover: ok <json>` or `ferry-mover: <step> failed: ...`).
 * Credentials and the password reach kopia only through its environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN, KOPIA_PASSWORD): never through arguments, which the API server shows to anyone reading the Job.
 */

/** Where a namespace's kopia repository lives: a bucket, a key prefix and the S3 endpoint as the mover pod reaches it. */
export interface RepositoryLocation {
  bucket: string;
  /** Key prefix of the repository, ending in `/` (`<prefix>/kopia/<namespace>/`, Velero's layout). */
  prefix: string;
  /** host[:port] of the S3 endpoint; absent for AWS S3 itself. */
  endpoint?: string;
  /** True for a plain-HTTP endpoint (a local S3 server). */
  disableTls?: boolean;
  region?: string;
}

/** Where the claim is mounted in the mover pod: one folder per claim, so kopia's snapshot source names it. */
export function mountPathOf(claim: string): string {
  return `${CLAIMS_ROOT}/${claim}`;
}

/** The folder the claim is mounted in. */
export const CLAIMS_ROOT = '/claims';

/** The mover's scratch folder (an emptyDir: the root filesystem is read-only). */
export const SCRATCH = '/tmp/kopia';

/** kopia's global flags: config and logs in the scratch folder (the mover's by default; expiry's own elsewhere). */
export function globalFlags(scratch = SCRATCH): string[] {
  return [`--config-file=${scratch}/repository.config`, `--log-dir=${scratch}/logs`, '--file-log-level=error'];
}

/** The S3 storage flags of `kopia repository create|connect s3`. */
export function storageFlags(location: RepositoryLocation): string[] {
  return [
    `--bucket=${location.bucket}`, `--prefix=${location.prefix}`,
    ...(location.endpoint ? [`--endpoint=${location.endpoint}`] : []),
    ...(location.disableTls ? ['--disable-tls'] : []),
    ...(location.region ? [`--region=${location.region}`] : []),
  ];
}

/**
 * The connection flags: kopia names a snapshot's source `user@host:path`; the host is the claim's namespace and the
 * user `ferry`, so that the next backup of the same claim finds its previous snapshot (incremental) whatever the
 * mover pod is called.
 */
export function connectFlags(namespace: string, scratch = SCRATCH): string[] {
  return [`--cache-directory=${scratch}/cache`, `--override-hostname=${namespace}`, '--override-username=ferry',
    '--no-check-for-updates', '--no-persist-credentials'];
}

/** `kopia snapshot create` of one mounted claim, tagged with the backup, printing the snapshot as JSON. */
export function snapshotCreateArgs(claim: string, backup: string): string[] {
  return ['snapshot', 'create', mountPathOf(claim), '--json', `--tags=ferry-backup:${backup}`, `--description=Ferry backup ${backup}`];
}

/** `kopia snapshot restore` of one snapshot into the mounted claim (modes, owners and times included). */
export function snapshotRestoreArgs(snapshotId: string, claim: string): string[] {
  return ['snapshot', 'restore', snapshotId, mountPathOf(claim), '--no-ignore-permission-errors'];
}

/** Quotes one word for sh: single quotes, with embedded ones closed, escaped and reopened. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

const words = (list: readonly string[]) => list.map(shellQuote).join(' ');

/** Connection flags that turn kopia's content cache off (its metadata cache stays). */
export const NO_CONTENT_CACHE = ['--content-cache-size-mb=0', '--content-cache-size-limit-mb=0'];

/** The operation a mover script performs after connecting. */
export type MoverOperation = { kind: 'backup'; claim: string; backup: string } | { kind: 'restore'; claim: string; snapshotId: string };

/**
 * The mover container's script. Exit codes: 0 done, 3 the repository refused the connection (wrong password or
 * unreachable), 4 creating the repository failed, 5 the snapshot or the restore failed. Whatever it reports is the
 * last 3,000 bytes of kopia's error output at most (the termination message holds 4,096).
 */
export function moverScript(location: RepositoryLocation, namespace: string, operation: MoverOperation): string {
  const k = `/kopia ${words(globalFlags())}`;
  const storage = words(storageFlags(location));
  // NOTE: a restore reads every pack once; kopia's content cache would write each into the scratch folder as well,
  // which made a restore about 3 times slower (256 MiB: 16-21 s with a cold default cache, 6-7 s without one).
  const connect = words([...connectFlags(namespace), ...(operation.kind === 'restore' ? NO_CONTENT_CACHE : [])]);
  const run = operation.kind === 'backup'
    ? words(snapshotCreateArgs(operation.claim, operation.backup))
    : words(snapshotRestoreArgs(operation.snapshotId, operation.claim));
  return [
    'set -u',
    `mkdir -p ${SCRATCH}/logs ${SCRATCH}/cache`,
    'report() { printf \'%s\' "$1" > /dev/termination-log; }',
    `err() { tail -c 3000 ${SCRATCH}/err; }`,
    `if ! ${k} repository connect s3 ${storage} ${connect} >/dev/null 2>${SCRATCH}/err; then`,
    ...(operation.kind === 'backup' ? [
      `  if grep -q 'not initialized' ${SCRATCH}/err; then`,
      `    ${k} repository create s3 ${storage} ${connect} >/dev/null 2>${SCRATCH}/err || { report "ferry-mover: create failed: $(err)"; exit 4; }`,
      `    ${k} policy set --global --compression=zstd-fastest >/dev/null 2>${SCRATCH}/err || { report "ferry-mover: create failed: $(err)"; exit 4; }`,
      '  else report "ferry-mover: connect failed: $(err)"; exit 3; fi',
    ] : ['  report "ferry-mover: connect failed: $(err)"; exit 3']),
    'fi',
    `${k} ${run} >${SCRATCH}/out 2>${SCRATCH}/err || { report "ferry-mover: ${operation.kind} failed: $(err)"; exit 5; }`,
    operation.kind === 'backup'
      ? `report "ferry-mover: ok $(tail -c 3500 ${SCRATCH}/out)"`
      : `report "ferry-mover: ok $(grep -h '^Restored' ${SCRATCH}/out ${SCRATCH}/err | tail -n 1)"`,
  ].join('\n');
}
