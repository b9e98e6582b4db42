import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ArchiveError, DEFAULT_ARCHIVE_LIMITS, isSafeArchivePath, readArchive, type ArchiveLimits } from '../../../lib/store/archive-reader.js';
import { archiveEntries, bombEntries, buildTarball, flipByte, type FixtureEntry } from '../../support/backup-fixture.js';

function chunked(bytes: Buffer, size = 1000): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

async function readAll(bytes: Buffer, limits?: Partial<ArchiveLimits>, readBodies = true): Promise<{ path: string; type: string; body?: string }[]> {
  const out: { path: string; type: string; body?: string }[] = [];
  for await (const e of readArchive(chunked(bytes), { ...DEFAULT_ARCHIVE_LIMITS, ...limits })) {
    out.push({ path: e.path, type: e.type, ...(readBodies && e.type === 'file' ? { body: (await e.bytes()).toString() } : {}) });
  }
  return out;
}

async function failure(bytes: Buffer, limits?: Partial<ArchiveLimits>): Promise<ArchiveError> {
  try {
    await readAll(bytes, limits);
  } catch (err) {
    if (err instanceof ArchiveError) return err;
    throw err;
  }
  throw new Error('the archive was read without an error');
}

describe('readArchive', () => {
  it('yields every entry of a well-formed archive in order, with its body', async () => {
    const entries = await readAll(await buildTarball(archiveEntries()));
    expect(entries.map((e) => e.path)).toEqual(archiveEntries().map((e) => e.path));
    expect(entries[0]).toEqual({ path: 'metadata/version', type: 'file', body: '1.1.0' });
    expect(JSON.parse(entries[1]!.body!)).toMatchObject({ kind: 'StatefulSet', metadata: { name: 'web' } });
  });

  it('lets a caller skip bodies and still reaches every entry', async () => {
    const entries = await readAll(await buildTarball(archiveEntries()), {}, false);
    expect(entries).toHaveLength(archiveEntries().length);
  });

  it('yields folders as directory entries', async () => {
    const entries = await readAll(await buildTarball([{ path: 'resources/', type: 'directory' }, { path: 'metadata/version', body: '1.1.0' }]));
    expect(entries.map((e) => `${e.type} ${e.path}`)).toEqual(['directory resources/', 'file metadata/version']);
  });

  it.each<[string, FixtureEntry, RegExp]>([
    ['a path climbing out with ../', { path: '../../etc/passwd', body: 'x' }, /unsafe entry path "..\/..\/etc\/passwd"/],
    ['a path with .. in the middle', { path: 'resources/../../x.json', body: '{}' }, /unsafe entry path/],
    ['an absolute path', { path: '/etc/cron.d/evil', body: 'x' }, /unsafe entry path "\/etc\/cron.d\/evil"/],
    ['a symbolic link', { path: 'resources/pods/cluster/link.json', type: 'symlink', linkname: '/etc/shadow' }, /is a symlink -> "\/etc\/shadow", not a regular file/],
    ['a hard link', { path: 'resources/pods/cluster/hard.json', type: 'link', linkname: 'metadata/version' }, /is a link/],
    ['a character device', { path: 'resources/dev/cluster/null.json', type: 'character-device' }, /is a character-device/],
    ['a fifo', { path: 'resources/fifo/cluster/p.json', type: 'fifo' }, /is a fifo/],
  ])('refuses %s as unsafe', async (_case, entry, message) => {
    const err = await failure(await buildTarball([{ path: 'metadata/version', body: '1.1.0' }, entry]));
    expect(err.problem).toBe('unsafe');
    expect(err.message).toMatch(message);
    expect(err.entry).toBe(entry.path);
  });

  it('refuses an entry over the entry limit before reading its body', async () => {
    const err = await failure(await buildTarball([{ path: 'resources/configmaps/cluster/big.json', body: 'x'.repeat(5000) }]), { maxEntryBytes: 4096 });
    expect(err).toMatchObject({ problem: 'limit', entry: 'resources/configmaps/cluster/big.json' });
    expect(err.message).toMatch(/is 5000 bytes, over the limit of 4096/);
  });

  it('refuses more entries than the entry limit', async () => {
    const entries = Array.from({ length: 6 }, (_, i) => ({ path: `metadata/e${i}`, body: 'x' }));
    const err = await failure(await buildTarball(entries), { maxEntries: 5 });
    expect(err).toMatchObject({ problem: 'limit', message: 'more than 5 entries' });
  });

  it('stops a decompressed total over the limit', async () => {
    const err = await failure(await buildTarball(bombEntries(10, 100_000)), { maxTotalBytes: 300_000, maxCompressionRatio: 1e9 });
    expect(err.problem).toBe('limit');
    expect(err.message).toMatch(/decompressed size exceeds the limit of 300000 bytes/);
  });

  it('stops a gzip bomb by its compression ratio long before inflating it all', async () => {
    // 16 MiB of one letter, checked after 4 MiB: the ratio stops it at a quarter (CPU-bound: a loaded machine gets time).
    const bomb = await buildTarball(bombEntries(16, 1024 * 1024), 9);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const err = await failure(bomb, { ratioCheckAfterBytes: 4 * 1024 * 1024, maxCompressionRatio: 100 });
    expect(err.problem).toBe('limit');
    expect(err.message).toMatch(/compression ratio exceeds 100:1 .* a gzip bomb/);
  }, 30_000);

  it.each<[string, (tgz: Buffer) => Buffer, RegExp]>([
    ['truncated in the middle', (tgz) => tgz.subarray(0, Math.floor(tgz.length / 2)), /unexpected end of file/],
    ['truncated by its last 8 bytes (the gzip trailer)', (tgz) => tgz.subarray(0, tgz.length - 8), /unexpected end of file/],
    ['with a flipped byte inside the deflate stream', (tgz) => flipByte(tgz, 40), /not a readable tar.gz/],
    ['not gzip at all', () => Buffer.from('{"this is":"json"}'), /incorrect header check/],
    ['gzip around bytes that are not a tar', () => gzipSync(Buffer.alloc(2048, 7)), /not a readable tar.gz/],
  ])('reports an archive %s as a format problem', async (_case, damage, message) => {
    const err = await failure(damage(await buildTarball(archiveEntries())));
    expect(err.problem).toBe('format');
    expect(err.message).toMatch(message);
  });

  it('reports an archive that ends inside an entry\'s body, while the caller reads that body, as a format problem', async () => {
    const big = { path: 'resources/configmaps/namespaces/shop/big.json', body: { data: randomBytes(100_000).toString('base64') } };
    const tgz = await buildTarball([{ path: 'metadata/version', body: '1.1.0' }, big]);
    const err = await failure(tgz.subarray(0, Math.floor(tgz.length / 2)));
    expect(err).toMatchObject({ problem: 'format', entry: big.path });
    expect(err.message).toMatch(/unexpected end of file/);
  });

  it('rethrows an error of the source stream unchanged rather than calling the archive damaged', async () => {
    const tgz = await buildTarball(archiveEntries());
    const source = new Readable({ read() { this.destroy(new Error('socket hang up')); } });
    source.push(tgz.subarray(0, 100));
    const run = async () => { for await (const e of readArchive(source)) await e.bytes(); };
    await expect(run()).rejects.toThrow(/^socket hang up$/);
  });

  it('destroys the source when the caller stops early', async () => {
    const source = chunked(await buildTarball(archiveEntries()));
    for await (const e of readArchive(source)) {
      expect(e.path).toBe('metadata/version');
      break;
    }
    expect(source.destroyed).toBe(true);
  });
});

describe('isSafeArchivePath', () => {
  it.each([
    ['resources/pods/namespaces/a/b.json', true], ['metadata/version', true], ['resources/', true],
    ['../x', false], ['a/../b', false], ['/abs', false], ['a//b', false], ['./a', false], ['a\\b', false], ['C:/x', false], ['', false],
  ])('judges "%s" safe: %s', (path, safe) => {
    expect(isSafeArchivePath(path)).toBe(safe);
  });
});
