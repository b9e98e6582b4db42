import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readCapped, readJsonObject } from '../../../lib/store/bounded-read.js';
import { BucketDataError, NotFoundError } from '../../../lib/store/errors.js';
import { MemoryStore } from '../../support/memory-store.js';

async function storeWith(bytes: Buffer | string): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.put('k/file', bytes);
  return store;
}

describe('bounded reads of bucket data', () => {
  it.each([
    ['an object within its cap is read whole', Buffer.alloc(100, 1), 100, undefined],
    ['an object over its cap is refused by its stated size, naming the key', Buffer.alloc(101), 100, 'k/file: is 101 bytes or more, over the limit of 100'],
  ])('%s', async (_name, bytes, cap, message) => {
    const read = readCapped(await storeWith(bytes), 'k/file', cap);
    if (message) await expect(read).rejects.toThrow(message);
    else expect((await read).bytes).toEqual(bytes);
  });

  it('an object whose stream runs past its cap is refused as the bytes arrive (the stated size can be wrong)', async () => {
    const store = await storeWith(Buffer.alloc(10_000));
    const get = store.get.bind(store);
    store.get = async (key) => ({ ...(await get(key)), size: 0 });
    store.chunkSize = 1000;
    await expect(readCapped(store, 'k/file', 4500)).rejects.toThrow('k/file: is 5000 bytes or more, over the limit of 4500');
  });

  it.each([
    ['JSON is parsed', '{"a": 1}', {}, { a: 1 }],
    ['gzipped JSON is gunzipped first', gzipSync('[1, 2]'), { maxGunzippedBytes: 100 }, [1, 2]],
    ['text that is not JSON is refused, naming the key', '{"a": ', {}, /^k\/file: is not JSON: /],
    ['bytes that are not gzip are refused, naming the key', '[1]', { maxGunzippedBytes: 100 }, /^k\/file: is not valid gzip: /],
    ['gzip that inflates past its cap is refused before it is all inflated', gzipSync(Buffer.alloc(1 << 20, 32)), { maxGunzippedBytes: 1000 },
      /^k\/file: decompresses to more than the limit of 1000 bytes$/],
  ] as const)('%s', async (_name, bytes, bounds, expected) => {
    const read = readJsonObject(await storeWith(bytes as Buffer | string), 'k/file', { maxBytes: 1 << 20, ...bounds });
    if (expected instanceof RegExp) {
      await expect(read).rejects.toBeInstanceOf(BucketDataError);
      await expect(read).rejects.toThrow(expected);
    } else {
      expect((await read).value).toEqual(expected);
    }
  });

  it('a missing object stays NotFoundError', async () => {
    await expect(readCapped(new MemoryStore(), 'k/none', 10)).rejects.toBeInstanceOf(NotFoundError);
  });
});
