import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { describe, expect, it, vi } from 'vitest';
import { ArchiveWriteError, ArchiveWriter } from '../../../lib/store/archive-writer.js';

const MTIME = new Date('2024-05-06T07:08:09Z');

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function entriesOf(gz: Buffer): Promise<{ name: string; mtime?: Date; body: string }[]> {
  const extract = tar.extract();
  const out: { name: string; mtime?: Date; body: string }[] = [];
  const done = (async () => {
    for await (const entry of extract) {
      const body = await readAll(entry as unknown as Readable);
      out.push({ name: entry.header.name, mtime: entry.header.mtime, body: body.toString('utf8') });
    }
  })();
  extract.end(gunzipSync(gz));
  await done;
  return out;
}

describe('ArchiveWriter', () => {
  it('writes entries in order into a tar.gz and reports the size and SHA-256 of what the consumer received', async () => {
    let received: Buffer = Buffer.alloc(0);
    const writer = new ArchiveWriter(async (body) => { received = await readAll(body); }, { mtime: MTIME });
    await writer.add('metadata/version', '1.1.0');
    await writer.add('resources/configmaps/namespaces/shop/settings.json', '{"kind":"ConfigMap"}');
    const long = `resources/widgets.example.com/v1-preferredversion/namespaces/shop/${'w'.repeat(120)}.json`;
    await writer.add(long, new TextEncoder().encode('{}'));
    const written = await writer.finish();
    expect(written).toEqual({ size: received.length, sha256: createHash('sha256').update(received).digest('hex') });
    expect(await entriesOf(received)).toEqual([
      { name: 'metadata/version', mtime: MTIME, body: '1.1.0' },
      { name: 'resources/configmaps/namespaces/shop/settings.json', mtime: MTIME, body: '{"kind":"ConfigMap"}' },
      { name: long, mtime: MTIME, body: '{}' },
    ]);
  });

  it('writes one content under several paths, across many gzip members, and a streaming gunzip reads it whole', async () => {
    let received: Buffer = Buffer.alloc(0);
    const writer = new ArchiveWriter(async (body) => { received = await readAll(body); }, { mtime: MTIME, gzipLevel: 1 });
    const expected: { name: string; mtime?: Date; body: string }[] = [];
    // About 6 MiB of tar: several batches, each compressed as its own member.
    for (let i = 0; i < 1500; i++) {
      const body = `{"n":${i},"pad":"${randomBytes(900).toString('hex')}"}`;
      const paths = [`resources/configmaps/namespaces/ns/c-${i}.json`, `resources/configmaps/v1-preferredversion/namespaces/ns/c-${i}.json`];
      await writer.addCopies(paths, [Buffer.from(body.slice(0, 10)), Buffer.from(body.slice(10))]);
      for (const name of paths) expected.push({ name, mtime: MTIME, body });
    }
    await writer.finish();
    const members = received.reduce((n, b, i) => n + (b === 0x1f && received[i + 1] === 0x8b && received[i + 2] === 8 ? 1 : 0), 0);
    expect(members).toBeGreaterThan(2);
    const streamed = await readAll(Readable.from([received]).pipe(createGunzip()));
    expect(streamed.equals(gunzipSync(received))).toBe(true);
    expect(await entriesOf(received)).toEqual(expected);
    // CPU-bound (6 MiB through tar, gzip and two gunzips): a machine with every core busy needs more than 5 s.
  }, 60_000);

  it('reports the compressed bytes as they are written', async () => {
    const seen: number[] = [];
    const writer = new ArchiveWriter((body) => readAll(body), { mtime: MTIME, onBytes: (n) => seen.push(n) });
    for (let i = 0; i < 20; i++) await writer.add(`f${i}`, randomBytes(64 * 1024));
    const { size } = await writer.finish();
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toBe(size);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it('holds the producer back while the consumer does not read, instead of buffering the archive', async () => {
    let release!: () => void;
    const reading = new Promise<void>((resolve) => { release = resolve; });
    const writer = new ArchiveWriter(async (body) => { await reading; await readAll(body); }, { mtime: MTIME, gzipLevel: 1 });
    let taken = 0;
    const producing = (async () => {
      for (let i = 0; i < 40; i++) {
        await writer.add(`blob-${i}`, randomBytes(1024 * 1024));
        taken++;
      }
    })();
    // No timer: wait until the archive says it is behind, then give the producer turns to show that it stays held.
    await vi.waitUntil(() => writer.mustWait, { timeout: 25_000, interval: 5 });
    const held = taken;
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
    // 40 MiB of incompressible entries: only the stream buffers (a few MiB) fill before the producer must wait; the
    // add in progress when the archive fell behind is the last one taken.
    expect(taken).toBeLessThanOrEqual(held + 1);
    expect(taken).toBeLessThan(16);
    release();
    await producing;
    expect(taken).toBe(40);
    expect((await writer.finish()).size).toBeGreaterThan(40 * 1024 * 1024);
  }, 30_000);

  it('fails every pending and later add, and finish, when the consumer fails midway', async () => {
    const writer = new ArchiveWriter(async (body) => {
      let bytes = 0;
      for await (const chunk of body) {
        bytes += (chunk as Buffer).length;
        if (bytes > 2 * 1024 * 1024) throw new Error('bucket went away');
      }
    }, { mtime: MTIME, gzipLevel: 1 });
    const adds = (async () => {
      for (let i = 0; i < 50; i++) await writer.add(`blob-${i}`, randomBytes(256 * 1024));
    })();
    await expect(adds).rejects.toThrow(ArchiveWriteError);
    await expect(adds).rejects.toThrow(/bucket went away/);
    await expect(writer.add('late', 'x')).rejects.toThrow(/bucket went away/);
    await expect(writer.finish()).rejects.toThrow(/bucket went away/);
  });

  it('makes the consumer\'s stream fail when the writer is aborted, so an upload can abort', async () => {
    let consumerError: Error | undefined;
    const writer = new ArchiveWriter(async (body) => {
      try {
        await readAll(body);
      } catch (err) {
        consumerError = err as Error;
        throw err;
      }
    }, { mtime: MTIME });
    await writer.add('metadata/version', '1.1.0');
    await writer.abort(new Error('cluster went away'));
    expect(consumerError?.message).toMatch(/cluster went away/);
    await expect(writer.finish()).rejects.toThrow(/cluster went away/);
  });
});
