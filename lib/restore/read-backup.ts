import type { Readable } from 'node:stream';
import { isRecord, type KubeObject } from '../model/object.js';
import type { ResourceResolver } from '../model/resources.js';
import { isPathProblem, parseItemPath } from '../store/archive-paths.js';
import { readArchive, DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from '../store/archive-reader.js';
import { itemFromObject } from './items.js';
import type { TransformItem } from './types.js';

/** A backup tarball entry that could not become an item: the restore reports it and goes on. */
export interface UnreadableEntry {
  path: string;
  reason: string;
}

/**
 * Streams the items out of a Velero-layout backup tarball. The `<version>-preferredversion/` copies are
 * skipped (the plain path holds the same object at the version the source preferred); each item's
 * groupResource and backup namespace come from its path, which must agree with the object.
 * A malformed entry is reported through `onUnreadable`; an unsafe or oversized archive throws ArchiveError.
 * With `only`, the bodies of other groupResources are not read (a first pass for the CRDs reads little).
 */
export async function* readBackupItems(
  tarball: Readable,
  resolve: ResourceResolver,
  onUnreadable: (entry: UnreadableEntry) => void,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
  only?: (groupResource: string) => boolean,
): AsyncGenerator<TransformItem> {
  for await (const entry of readArchive(tarball, limits)) {
    if (entry.type !== 'file') continue;
    const parsed = parseItemPath(entry.path);
    if (parsed === undefined || (!isPathProblem(parsed) && parsed.preferredVersion)) continue;
    if (isPathProblem(parsed)) {
      onUnreadable({ path: entry.path, reason: parsed.problem });
      continue;
    }
    if (only && !only(parsed.groupResource)) continue;
    const body = await entry.bytes();
    const object = parseObject(body);
    if (typeof object === 'string') {
      onUnreadable({ path: entry.path, reason: object });
      continue;
    }
    const namespace = object.metadata.namespace ?? '';
    if (namespace !== parsed.namespace || object.metadata.name !== parsed.name) {
      onUnreadable({ path: entry.path, reason: `the object inside is ${namespace ? `${namespace}/` : ''}${String(object.metadata.name)}, not what its path says` });
      continue;
    }
    yield { ...itemFromObject(object, resolve, { groupResource: parsed.groupResource }), backupNamespace: parsed.namespace };
  }
}

function parseObject(body: Buffer): KubeObject | string {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  if (!isRecord(value) || typeof value.apiVersion !== 'string' || typeof value.kind !== 'string' || !isRecord(value.metadata)
    || typeof value.metadata.name !== 'string') {
    return 'not a Kubernetes object (apiVersion, kind and metadata.name are required)';
  }
  return value as KubeObject;
}

