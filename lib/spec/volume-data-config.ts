/**
 * A storage location's `volumeData` settings: how Ferry moves claims' data into that location's bucket and back.
 *
 * ```yaml
 * volumeData:
 *   repositoryPassword: ${FERRY_REPOSITORY_PASSWORD}  # encrypts the kopia repositories; keep it: without it the data is lost
 *   moverImage: registry.example.com/ferry/mover:1    # kopia and a busybox shell (the local stack's: .stack/mover.image)
 *   moverEndpoint: http://10.0.0.5:7070               # the S3 endpoint as mover pods reach it (default: the location's)
 *   moverHostNetwork: false                           # true on the local stack, whose S3 server is on the node's loopback
 *   moverTimeout: 30m                                 # one volume's move (the Job's activeDeadlineSeconds)
 *   moverRunAsUser: 1000                              # run movers as this user (default: root with only the capabilities a move needs)
 *   moverRoleArn: arn:aws:iam::123456789012:role/ferry-mover  # AWS: movers get STS sessions of this role scoped to their repository
 *   moverResources: {cpuRequest: 500m, memoryRequest: 512Mi}   # the defaults; cpuLimit and memoryLimit too (mover-resources.ts)
 * ```
 * The password is never echoed in a problem, a log line or a result.
 */
import { isRecord } from '../model/object.js';
import { parseMoverResources, type MoverResources } from './mover-resources.js';
import { joinPath, type ProblemCollector } from './problems.js';
import { parseGoDuration } from './schedule.js';

/** An IAM role's ARN, in any partition. */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** The parsed settings. */
export interface VolumeDataSettings {
  repositoryPassword: string;
  moverImage: string;
  moverEndpoint?: string;
  moverHostNetwork?: boolean;
  moverTimeoutMs?: number;
  moverRunAsUser?: number;
  /** The IAM role movers get short-lived sessions of (AWS), each limited to its repository prefix. */
  moverRoleArn?: string;
  /** What mover pods request and are limited to, over the defaults (mover-resources.ts); absent: the defaults. */
  moverResources?: MoverResources;
}

const FIELDS = ['repositoryPassword', 'moverImage', 'moverEndpoint', 'moverHostNetwork', 'moverTimeout', 'moverRunAsUser', 'moverRoleArn', 'moverResources'];

/** Reads `volumeData` at `path`; problems name the field (and never the password's value). */
export function parseVolumeDataSettings(raw: unknown, path: string, p: ProblemCollector): VolumeDataSettings | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw)) {
    p.add(path, 'expected {repositoryPassword, moverImage, ...}');
    return undefined;
  }
  for (const k of Object.keys(raw)) if (!FIELDS.includes(k)) p.add(joinPath(path, k), `unknown field (expected one of ${FIELDS.join(', ')})`);
  const password = raw.repositoryPassword;
  if (typeof password !== 'string' || password.length < 8) p.add(joinPath(path, 'repositoryPassword'), 'expected a string of at least 8 characters (its value is not shown)');
  const image = raw.moverImage;
  if (typeof image !== 'string' || !image) p.add(joinPath(path, 'moverImage'), `expected an image name, got ${JSON.stringify(image ?? null)}`);
  const endpoint = raw.moverEndpoint;
  if (endpoint !== undefined && (typeof endpoint !== 'string' || !/^https?:\/\/[^/]+/.test(endpoint))) {
    p.add(joinPath(path, 'moverEndpoint'), `expected an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  if (raw.moverHostNetwork !== undefined && typeof raw.moverHostNetwork !== 'boolean') p.add(joinPath(path, 'moverHostNetwork'), 'expected true or false');
  let timeoutMs: number | undefined;
  if (raw.moverTimeout !== undefined) {
    timeoutMs = typeof raw.moverTimeout === 'string' ? parseGoDuration(raw.moverTimeout) : undefined;
    if (!timeoutMs) p.add(joinPath(path, 'moverTimeout'), `expected a duration such as "30m", got ${JSON.stringify(raw.moverTimeout)}`);
  }
  const user = raw.moverRunAsUser;
  if (user !== undefined && (typeof user !== 'number' || !Number.isInteger(user) || user < 0)) p.add(joinPath(path, 'moverRunAsUser'), `expected a user ID, got ${JSON.stringify(user)}`);
  const role = raw.moverRoleArn;
  if (role !== undefined && (typeof role !== 'string' || !ROLE_ARN.test(role))) {
    p.add(joinPath(path, 'moverRoleArn'), `expected an IAM role ARN (arn:aws:iam::<account>:role/<name>), got ${JSON.stringify(role)}`);
  }
  const resources = raw.moverResources === undefined ? undefined : parseMoverResources(raw.moverResources, joinPath(path, 'moverResources'), p);
  if (typeof password !== 'string' || password.length < 8 || typeof image !== 'string' || !image) return undefined;
  return {
    repositoryPassword: password, moverImage: image, ...(resources ? { moverResources: resources } : {}),
    ...(typeof endpoint === 'string' ? { moverEndpoint: endpoint } : {}),
    ...(typeof raw.moverHostNetwork === 'boolean' ? { moverHostNetwork: raw.moverHostNetwork } : {}),
    ...(timeoutMs ? { moverTimeoutMs: timeoutMs } : {}),
    ...(typeof user === 'number' && Number.isInteger(user) && user >= 0 ? { moverRunAsUser: user } : {}),
    ...(typeof role === 'string' && ROLE_ARN.test(role) ? { moverRoleArn: role } : {}),
  };
}
