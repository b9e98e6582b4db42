// Describes a folder tree as tests compare it: every entry's type, mode, owner, size, content hash, link target and
// (for files) modification time in whole seconds; and writes the tree the volume-data tests back up.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, utimesSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';

/** One entry of a tree, by its path relative to the root. */
export interface TreeEntry {
  type: 'file' | 'dir' | 'symlink';
  mode: string;
  owner: string;
  size?: number;
  sha256?: string;
  target?: string;
  mtime?: number;
}

/** Every entry under `root` (the root itself excluded), sorted by path. */
export function describeTree(root: string): Record<string, TreeEntry> {
  const out: Record<string, TreeEntry> = {};
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      const st = lstatSync(path);
      const base = { mode: (st.mode & 0o7777).toString(8), owner: `${st.uid}:${st.gid}` };
      if (st.isSymbolicLink()) out[relPath] = { type: 'symlink', ...base, target: readlinkSync(path) };
      else if (st.isDirectory()) {
        out[relPath] = { type: 'dir', ...base };
        walk(path, relPath);
      } else {
        out[relPath] = { type: 'file', ...base, size: st.size, sha256: createHash('sha256').update(readFileSync(path)).digest('hex'), mtime: Math.floor(st.mtimeMs / 1000) };
      }
    }
  };
  walk(root, '');
  return out;
}

/**
 * Writes a tree with what a volume holds: files of several modes and owners, an executable, a hidden file, nested and
 * empty folders, relative and absolute symlinks (one dangling), and one large file of random bytes (`largeBytes`).
 */
export function writeTestTree(root: string, largeBytes: number): void {
  const file = (rel: string, body: string | Buffer, mode: number, owner = [0, 0]) => {
    writeFileSync(join(root, rel), body);
    chmodSync(join(root, rel), mode);
    chownSync(join(root, rel), owner[0]!, owner[1]!);
    utimesSync(join(root, rel), new Date('2024-02-03T04:05:06Z'), new Date('2024-02-03T04:05:06Z'));
  };
  mkdirSync(join(root, 'conf/nested/deeper'), { recursive: true });
  mkdirSync(join(root, 'empty'), { recursive: true });
  mkdirSync(join(root, 'private'), { recursive: true, mode: 0o700 });
  chmodSync(join(root, 'private'), 0o700);
  file('index.html', '<h1>tree</h1>\n', 0o644);
  file('conf/app.conf', 'key = value\n'.repeat(1000), 0o640, [1000, 1000]);
  file('conf/nested/deeper/run.sh', '#!/bin/sh\necho hi\n', 0o755);
  file('private/secret.key', randomBytes(64), 0o600, [33, 33]);
  file('.hidden', '', 0o444);
  symlinkSync('conf/app.conf', join(root, 'current.conf'));
  symlinkSync('/etc/passwd', join(root, 'absolute-link'));
  symlinkSync('missing/file', join(root, 'dangling'));
  const fd = openSync(join(root, 'large.bin'), 'w');
  const chunk = 4 * 1024 * 1024;
  for (let written = 0; written < largeBytes; written += chunk) writeSync(fd, randomBytes(Math.min(chunk, largeBytes - written)));
  closeSync(fd);
  utimesSync(join(root, 'large.bin'), new Date('2024-02-03T04:05:06Z'), new Date('2024-02-03T04:05:06Z'));
}
