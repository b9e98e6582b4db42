// Issue 19's hostile backup at its real size, cheaply: hundreds of entries of megabytes each, at a compression ratio
// under the reader's cap, as a gzip stream generated on the fly. The stream is a series of gzip members (RFC 1952
// allows it; zlib's gunzip, GNU gzip and Go read them as one), and every entry's big middle is the same member,
// compressed once: building 2.8 GB of tar costs one 7 MiB compression instead of 2.8 GB of it.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { TAR_END, TarHeaders, tarPaddingSize } from '../../lib/store/tar-headers.js';

/** The shape of a hostile tarball. */
export interface HostileTarballOptions {
  /** Item entries (metadata/version comes first and is not counted). */
  entries: number;
  /** Bytes of each item's JSON body. */
  entryBytes: number;
  /** One item path for every entry (the trial), or a path of its own for each. */
  samePath: boolean;
  /** Characters of noise per 4 KiB of filler: 24 gives about 150:1, 16 about 200:1. */
  noisePer4KiB?: number;
}

/** A generated tarball: its stream (call once) and the tar bytes it inflates to. */
export interface HostileTarball {
  stream(): Readable;
  /** Bytes of the tar stream inside the gzip: what a reader decompresses in all. */
  tarBytes: number;
}

/** Filler of `bytes` JSON-safe characters: runs of `x` with `noise` random base64 characters every 4 KiB. */
function filler(bytes: number, noise: number): Buffer {
  const out = Buffer.alloc(bytes, 'x');
  for (let at = 0; at < bytes; at += 4096) {
    out.write(randomBytes(noise).toString('base64').slice(0, Math.min(noise, bytes - at)), at, 'latin1');
  }
  return out;
}

/**
 * A .tar.gz of `metadata/version` and `entries` ConfigMaps in namespace `default`, each body `entryBytes` of JSON
 * whose `data.x` is the shared filler; named `big-000`, `big-001`, ... or all `big-000` when `samePath`.
 */
export function hostileTarball(o: HostileTarballOptions): HostileTarball {
  const headers = new TarHeaders(new Date('2026-01-10T08:00:00Z'));
  const name = (i: number) => `big-${String(o.samePath ? 0 : i).padStart(3, '0')}`;
  const prefix = (i: number) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name(i)}","namespace":"default"},"data":{"x":"`;
  const suffix = '"}}';
  const middleBytes = o.entryBytes - Buffer.byteLength(prefix(0)) - suffix.length;
  const middle = gzipSync(filler(middleBytes, o.noisePer4KiB ?? 24), { level: 9 });
  const tail = gzipSync(Buffer.concat([Buffer.from(suffix), Buffer.alloc(tarPaddingSize(o.entryBytes))]), { level: 9 });
  const head = (path: string, body: Buffer) => {
    const block = Buffer.alloc(headers.sizeOf(path));
    headers.write(block, 0, path, body.length);
    return block;
  };
  const version = Buffer.from('1.1.0');
  const versionMember = gzipSync(Buffer.concat([head('metadata/version', version), version, Buffer.alloc(tarPaddingSize(version.length))]));
  const entryHead = (i: number) => {
    const path = `resources/configmaps/namespaces/default/${name(i)}.json`;
    const header = Buffer.alloc(headers.sizeOf(path));
    headers.write(header, 0, path, o.entryBytes);
    return gzipSync(Buffer.concat([header, Buffer.from(prefix(i))]), { level: 9 });
  };
  const perEntry = (i: number) => headers.sizeOf(`resources/configmaps/namespaces/default/${name(i)}.json`) + o.entryBytes + tarPaddingSize(o.entryBytes);
  let tarBytes = 512 + 512 + TAR_END.length;
  for (let i = 0; i < o.entries; i++) tarBytes += perEntry(i);
  return {
    tarBytes,
    stream: () => Readable.from((function* () {
      yield versionMember;
      for (let i = 0; i < o.entries; i++) {
        yield entryHead(i);
        yield middle;
        yield tail;
      }
      yield gzipSync(TAR_END);
    })(), { objectMode: false }),
  };
}
