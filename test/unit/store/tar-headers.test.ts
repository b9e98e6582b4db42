import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { TarHeaders, tarPaddingSize } from '../../../lib/store/tar-headers.js';

const MTIME = new Date('2024-05-06T07:08:09Z');

/** The bytes tar-stream writes before the content of one file entry. */
async function tarStreamHeader(name: string, size: number): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name, size, mtime: MTIME, mode: 0o644, type: 'file', uid: 0, gid: 0 }, Buffer.alloc(size, 0x61));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as Readable) chunks.push(c as Buffer);
  const all = Buffer.concat(chunks);
  // Everything but the content, its padding and the two end blocks.
  return all.subarray(0, all.length - 1024 - size - tarPaddingSize(size));
}

const segment = (c: string, n: number) => c.repeat(n);

describe('TarHeaders', () => {
  it.each([
    ['a short path fits the name field alone', 'resources/configmaps/namespaces/shop/settings.json', 20],
    ['a path of exactly 100 bytes fits the name field without a terminator', `resources/${segment('a', 90)}`, 3],
    ['a longer path is split at a slash into prefix and name', `resources/widgets.example.com/v1-preferredversion/namespaces/shop/${segment('w', 80)}.json`, 700],
    ['a path whose last segment exceeds 100 bytes gets a PAX header', `resources/configmaps/namespaces/shop/${segment('n', 120)}.json`, 1],
    ['a path whose prefix would exceed 155 bytes gets a PAX header', `resources/${segment('g', 150)}/namespaces/${segment('s', 60)}/${segment('n', 60)}.json`, 512],
    ['a path that is not ASCII gets a PAX header', 'resources/configmaps/namespaces/shop/caf\u00e9.json', 0],
  ])('writes the same bytes as tar-stream: %s', async (_case, path, size) => {
    const headers = new TarHeaders(MTIME);
    const target = Buffer.alloc(headers.sizeOf(path) + 8, 0xff);
    const written = headers.write(target, 4, path, size);
    expect(written).toBe(headers.sizeOf(path));
    expect(target.subarray(4, 4 + written).equals(await tarStreamHeader(path, size))).toBe(true);
  });

  it('reads back with tar-stream, long paths and sizes included', async () => {
    const headers = new TarHeaders(MTIME);
    const paths = ['a.json', `resources/${segment('x', 200)}.json`, `resources/${segment('p', 120)}/${segment('q', 90)}.json`];
    const parts: Buffer[] = [];
    for (const [i, path] of paths.entries()) {
      const body = Buffer.alloc(i * 700 + 1, 0x62);
      const head = Buffer.alloc(headers.sizeOf(path));
      headers.write(head, 0, path, body.length);
      parts.push(head, body, Buffer.alloc(tarPaddingSize(body.length)));
    }
    parts.push(Buffer.alloc(1024));
    const extract = tar.extract();
    const seen: [string, number, Date | undefined][] = [];
    const done = (async () => {
      for await (const entry of extract) {
        let n = 0;
        for await (const c of entry as unknown as Readable) n += (c as Buffer).length;
        seen.push([entry.header.name, n, entry.header.mtime]);
      }
    })();
    extract.end(Buffer.concat(parts));
    await done;
    expect(seen).toEqual(paths.map((p, i) => [p, i * 700 + 1, MTIME]));
  });
});
