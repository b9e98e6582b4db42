// What backup tests read back: a tarball's entries, and a clock that steps.
import type { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';

/** The entries of a tar.gz, by path, with their bodies as text. */
export async function tarEntries(gz: Buffer): Promise<Map<string, string>> {
  const extract = tar.extract();
  const out = new Map<string, string>();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry as unknown as Readable) chunks.push(c as Buffer);
      out.set(entry.header.name, Buffer.concat(chunks).toString('utf8'));
    }
  })();
  extract.end(gunzipSync(gz));
  await done;
  return out;
}

/** A clock that advances one second per call, from a fixed start. */
export function steppingClock(start = '2024-05-06T07:08:09.000Z'): () => Date {
  let t = Date.parse(start);
  return () => {
    const now = new Date(t);
    t += 1000;
    return now;
  };
}
