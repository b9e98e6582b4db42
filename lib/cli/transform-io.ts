import { Readable } from 'node:stream';
import { readBackupItems, type UnreadableEntry } from '../restore/read-backup.js';
import { readManifestObjects } from '../restore/read-manifests.js';
import type { ResourceResolver } from '../model/resources.js';
import type { KubeObject } from '../model/object.js';
import type { TransformItem } from '../restore/types.js';

/** What `ferry transform` needs of the outside world: a subset of the CLI's io, so tests pass a fake. */
export interface TransformIo {
  readFile(path: string): Promise<string | Buffer>;
  /** Entry names of a folder, or undefined when `path` is not one. */
  readDir?(path: string): Promise<string[] | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
}

const MANIFEST = /\.(ya?ml|json)$/i;
const TARBALL = /\.(tar\.gz|tgz)$/i;

/** True for a path `ferry transform` reads as a backup tarball. */
export function isTarball(path: string): boolean {
  return TARBALL.test(path);
}

/**
 * Expands the INPUT arguments into files: a folder becomes its manifests (.yaml, .yml, .json), recursively,
 * in name order; files are kept as given.
 */
export async function expandInputs(paths: readonly string[], io: TransformIo): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    const entries = await io.readDir?.(path);
    if (!entries) {
      out.push(path);
      continue;
    }
    for (const name of [...entries].sort()) {
      const child = `${path.replace(/\/+$/, '')}/${name}`;
      const nested = await io.readDir?.(child);
      if (nested) out.push(...await expandInputs([child], io));
      else if (MANIFEST.test(name)) out.push(child);
    }
  }
  return out;
}

/** Reads the objects of one manifest file; throws SpecError for text that is not Kubernetes objects. */
export async function readManifestFile(path: string, io: TransformIo): Promise<KubeObject[]> {
  const content = await io.readFile(path);
  return readManifestObjects(typeof content === 'string' ? content : content.toString('utf8'), path);
}

/** Reads the items of a backup tarball; unreadable entries are passed to `onUnreadable`. Throws ArchiveError. */
export async function readTarballFile(path: string, io: TransformIo, resolve: ResourceResolver,
  onUnreadable: (entry: UnreadableEntry) => void): Promise<TransformItem[]> {
  const content = await io.readFile(path);
  const items: TransformItem[] = [];
  const stream = Readable.from([typeof content === 'string' ? Buffer.from(content, 'binary') : content]);
  for await (const item of readBackupItems(stream, resolve, onUnreadable)) items.push(item);
  return items;
}
