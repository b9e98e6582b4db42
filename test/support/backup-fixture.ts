// Builds backups for tests with tar-stream and zlib, independently of Ferry's backup writer, so tests can also
// build broken ones: a flipped byte, a truncated tarball, `../` paths, links, oversized entries, gzip bombs.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import type { KubeObject } from '../../lib/model/object.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { buildManifest, type ManifestEntry } from '../../lib/store/manifest.js';
import type { ObjectStore } from '../../lib/store/object-store.js';

/** One tar entry: a JSON value, text or bytes, or a header-only entry (folder, link, device). */
export interface FixtureEntry {
  path: string;
  body?: unknown;
  type?: Header['type'];
  linkname?: string;
}

/** Builds a .tar.gz from entries, in order. */
export async function buildTarball(entries: FixtureEntry[], gzipLevel = 6): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  const collected = (async () => { for await (const c of tar) chunks.push(c as Buffer); })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    if (type !== 'file') {
      await new Promise<void>((resolve, reject) => tar.entry({ name: e.path, type, linkname: e.linkname, size: 0 }, (err) => (err ? reject(err) : resolve())));
      continue;
    }
    const body = Buffer.isBuffer(e.body) ? e.body : Buffer.from(typeof e.body === 'string' ? e.body : JSON.stringify(e.body));
    await new Promise<void>((resolve, reject) => tar.entry({ name: e.path, size: body.length }, body, (err) => (err ? reject(err) : resolve())));
  }
  tar.finalize();
  await collected;
  return gzipSync(Buffer.concat(chunks), { level: gzipLevel });
}

/** The archive path of an object, as Velero lays it out. */
export function fixtureItemPath(obj: KubeObject, groupResource: string, preferredVersion?: string): string {
  const ns = obj.metadata.namespace;
  const scope = ns ? `namespaces/${ns}` : 'cluster';
  return `resources/${groupResource}/${preferredVersion ? `${preferredVersion}-preferredversion/` : ''}${scope}/${obj.metadata.name}.json`;
}

/** The seed's application: a StatefulSet, its Service and a ConfigMap in `default`, and the Namespace itself. */
export function seedItems(namespace = 'default'): { object: KubeObject; groupResource: string }[] {
  return [
    { groupResource: 'statefulsets.apps', object: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace, labels: { app: 'nginx' } }, spec: { replicas: 2, serviceName: 'nginx' } } },
    { groupResource: 'services', object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx', namespace }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } } },
    { groupResource: 'configmaps', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace }, data: { 'index.html': 'hello' } } },
    { groupResource: 'namespaces', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } },
  ];
}

/** Tar entries for items: metadata/version, every item, and its copy under the preferred-version folder. */
export function archiveEntries(items = seedItems(), version = '1.1.0'): FixtureEntry[] {
  return [
    { path: 'metadata/version', body: version },
    ...items.flatMap(({ object, groupResource }) => {
      const v = object.apiVersion.split('/').pop()!;
      return [{ path: fixtureItemPath(object, groupResource), body: object }, { path: fixtureItemPath(object, groupResource, v), body: object }];
    }),
  ];
}

/** Settings of a fixture backup. */
export interface FixtureOptions {
  /** The Backup's status.phase (default Completed). */
  phase?: string;
  created?: Date;
  expires?: Date;
  /** Ferry marks its backups with ferry.dev/ annotations; Velero's have none (default true). */
  ferry?: boolean;
  sourceCluster?: string;
  /** Tar entries (default: archiveEntries()). */
  entries?: FixtureEntry[];
  /** A ready tarball, instead of entries. */
  tarball?: Buffer;
  /** Write ferry-manifest.json (default: when ferry). */
  manifest?: boolean;
  warnings?: number;
  errors?: number;
  failureReason?: string;
}

/** The files of a backup by their name in the backup folder, in the order a writer uploads them (manifest last). */
export type BackupFiles = [fileName: string, bytes: Buffer][];

/** The velero-backup.json of a fixture backup. */
export function backupObject(name: string, o: FixtureOptions = {}): Record<string, unknown> {
  const created = o.created ?? new Date('2026-01-10T08:00:00Z');
  const expires = o.expires ?? new Date(created.getTime() + 720 * 3600_000);
  const ferry = o.ferry ?? true;
  return {
    apiVersion: 'velero.io/v1', kind: 'Backup',
    metadata: {
      name, namespace: 'velero', creationTimestamp: created.toISOString(), labels: { 'velero.io/storage-location': 'default' },
      annotations: {
        'velero.io/source-cluster-k8s-gitversion': 'v1.35.4',
        ...(ferry ? { 'ferry.dev/backup-type': 'AppAndPvBackup', 'ferry.dev/source-cluster': o.sourceCluster ?? 'idc' } : {}),
      },
    },
    spec: { includedNamespaces: ['default'], ttl: '720h0m0s', storageLocation: 'default' },
    status: {
      version: 1, formatVersion: '1.1.0', phase: o.phase ?? 'Completed', expiration: expires.toISOString(),
      startTimestamp: created.toISOString(), completionTimestamp: new Date(created.getTime() + 60_000).toISOString(),
      progress: { totalItems: 4, itemsBackedUp: 4 }, warnings: o.warnings ?? 0, errors: o.errors ?? 0,
      ...(o.failureReason ? { failureReason: o.failureReason } : {}),
    },
  };
}

/** Builds every file of a backup. */
export async function buildBackup(name: string, o: FixtureOptions = {}): Promise<BackupFiles> {
  const tarball = o.tarball ?? await buildTarball(o.entries ?? archiveEntries());
  const files: BackupFiles = [
    [`${name}.tar.gz`, tarball],
    [`${name}-resource-list.json.gz`, gzipSync(JSON.stringify({ 'apps/v1/StatefulSet': ['default/web'], 'v1/Service': ['default/nginx'] }))],
    [`${name}-results.gz`, gzipSync(JSON.stringify({ warnings: {}, errors: {} }))],
    ['velero-backup.json', Buffer.from(JSON.stringify(backupObject(name, o)))],
  ];
  if (o.manifest ?? (o.ferry ?? true)) files.push(['ferry-manifest.json', manifestFor(name, files)]);
  return files;
}

/** A ferry-manifest.json over files, as the writer computes it. */
export function manifestFor(name: string, files: BackupFiles, completedAt = new Date('2026-01-10T08:01:00Z')): Buffer {
  const entries: Record<string, ManifestEntry> = {};
  for (const [file, bytes] of files) entries[file] = { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  return Buffer.from(JSON.stringify(buildManifest(name, entries, completedAt)));
}

/** Replaces one file's bytes (after the manifest was computed: the backup no longer matches it). */
export function replaceFile(files: BackupFiles, fileName: string, bytes: Buffer): BackupFiles {
  if (!files.some(([f]) => f === fileName)) throw new Error(`fixture has no file ${fileName}`);
  return files.map(([f, b]) => [f, f === fileName ? bytes : b]);
}

/** A copy of bytes with one byte inverted. */
export function flipByte(bytes: Buffer, at = Math.floor(bytes.length / 2)): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0xff;
  return copy;
}

/** Tar entries whose JSON bodies each hold `bytesPerEntry` repeated characters: tiny gzipped, huge inflated. */
export function bombEntries(count: number, bytesPerEntry: number): FixtureEntry[] {
  const filler = 'A'.repeat(bytesPerEntry);
  return [{ path: 'metadata/version', body: '1.1.0' }, ...Array.from({ length: count }, (_, i) => ({
    path: `resources/configmaps/namespaces/default/bomb-${i}.json`,
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `bomb-${i}`, namespace: 'default' }, data: { filler } },
  }))];
}

/** Uploads files under the backup's folder, in order (skip some to simulate a backup still being written). */
export async function putBackup(store: ObjectStore, layout: BucketLayout, name: string, files: BackupFiles, skip: string[] = []): Promise<string[]> {
  const keys: string[] = [];
  for (const [file, bytes] of files) {
    if (skip.includes(file)) continue;
    const key = `${layout.backupPrefix(name)}${file}`;
    await store.put(key, bytes);
    keys.push(key);
  }
  return keys;
}
