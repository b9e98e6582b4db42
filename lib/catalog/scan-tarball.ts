/**
 * Checks the structure of a backup tarball as it streams past: metadata/version 1.x, every entry a well-formed
 * item path under resources/, every item a JSON object with apiVersion, kind and metadata.name, sitting in the
 * folder of its namespace. Counts the items. Holds one entry in memory at a time; writes nothing anywhere.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { isRecord } from '../model/object.js';
import { ArchiveError, readArchive, type ArchiveLimits } from '../store/archive-reader.js';
import { isPathProblem, parseItemPath, VERSION_ENTRY, type ItemPath } from '../store/archive-paths.js';
import { emptyCounts, type ItemCounts } from './types.js';

/** Why a tarball was refused: `corrupt` (damaged, malformed or hostile) or `invalid` (well-formed, unsupported). */
export interface TarballFinding {
  kind: 'corrupt' | 'invalid';
  message: string;
}

/** The outcome of a scan. */
export type TarballScan =
  | { ok: true; counts: ItemCounts; formatVersion: string }
  | { ok: false; finding: TarballFinding };

/**
 * Scans a tarball stream; throws only for errors of the stream itself (so the run can be retried). An entry path
 * that comes twice is corrupt; more items than `limits.maxItems` (what a restore holds), or more decompressed bytes
 * than `limits.maxTotalBytes` (what a restore spills), is invalid.
 */
export async function scanTarball(source: Readable, limits: ArchiveLimits & { maxItems?: number }): Promise<TarballScan> {
  const counts = emptyCounts();
  let formatVersion: string | undefined;
  // 96 bits of each path's SHA-256: a collision by chance is out of reach, and a million paths take ~60 MB less.
  const seen = new Set<string>();
  try {
    for await (const entry of readArchive(source, limits)) {
      if (entry.type === 'directory') continue;
      if (entry.path === VERSION_ENTRY) {
        const version = (await entry.bytes()).toString('utf8').trim();
        if (/^1\.\d+(\.\d+)?$/.test(version)) formatVersion = version;
        else if (/^\d+\.\d+(\.\d+)?$/.test(version)) return invalid(`archive format version ${version} is not supported (Ferry reads 1.x)`);
        else return corrupt(`${VERSION_ENTRY} holds ${JSON.stringify(version.slice(0, 40))}, not a format version`);
        continue;
      }
      const item = parseItemPath(entry.path);
      if (isPathProblem(item)) return corrupt(item.problem);
      if (item === undefined) {
        if (entry.path.startsWith('metadata/')) continue;
        return corrupt(`entry "${entry.path}" is not resources/<group-resource>/(namespaces/<ns>|cluster)/<name>.json`);
      }
      const digest = createHash('sha256').update(entry.path).digest('base64').slice(0, 16);
      if (seen.has(digest)) return corrupt(`entry "${entry.path}" appears more than once in the tarball`);
      seen.add(digest);
      const problem = checkItem(entry.path, item, await entry.bytes());
      if (problem) return corrupt(problem);
      if (!item.preferredVersion) count(counts, item);
      if (limits.maxItems !== undefined && counts.items > limits.maxItems) {
        return invalid(`the backup holds more than ${limits.maxItems} items, more than a restore holds within its memory bound (lib/restore/limits.ts)`);
      }
    }
  } catch (err) {
    if (err instanceof ArchiveError && err.limit === 'maxTotalBytes') {
      // Well-formed, perhaps, but more than a restore may hold: refused as the item count is.
      return invalid(`the tarball inflates to more than ${limits.maxTotalBytes} bytes, more than a restore may spill to its ephemeral storage (lib/restore/limits.ts)`);
    }
    if (err instanceof ArchiveError) return corrupt(err.message);
    throw err;
  }
  if (!formatVersion) return corrupt(`the tarball has no ${VERSION_ENTRY} entry`);
  return { ok: true, counts, formatVersion };
}

/** What is wrong with one item's body, or undefined. */
export function checkItem(path: string, item: ItemPath, body: Buffer): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return `entry "${path}" is not JSON: ${(err as Error).message}`;
  }
  if (!isRecord(value)) return `entry "${path}" is not a JSON object`;
  for (const field of ['apiVersion', 'kind'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '') return `entry "${path}" has no ${field}`;
  }
  const metadata = isRecord(value.metadata) ? value.metadata : undefined;
  if (typeof metadata?.name !== 'string' || metadata.name === '') return `entry "${path}" has no metadata.name`;
  if (metadata.name !== item.name) return `entry "${path}" holds an object named "${metadata.name}"`;
  const namespace = metadata.namespace ?? '';
  if (namespace !== item.namespace) {
    return item.namespace
      ? `entry "${path}" is in the folder of namespace "${item.namespace}" but its metadata.namespace is ${JSON.stringify(namespace)}`
      : `entry "${path}" is cluster-scoped but its metadata.namespace is ${JSON.stringify(namespace)}`;
  }
  return undefined;
}

function count(counts: ItemCounts, item: ItemPath): void {
  counts.items++;
  if (item.namespace) counts.byNamespace[item.namespace] = (counts.byNamespace[item.namespace] ?? 0) + 1;
  else counts.cluster++;
  counts.byResource[item.groupResource] = (counts.byResource[item.groupResource] ?? 0) + 1;
}

function corrupt(message: string): TarballScan {
  return { ok: false, finding: { kind: 'corrupt', message } };
}

function invalid(message: string): TarballScan {
  return { ok: false, finding: { kind: 'invalid', message } };
}
