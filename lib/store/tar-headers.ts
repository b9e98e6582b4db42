/**
 * Tar headers for regular files, written directly: a backup writes two small entries per item, and a general tar
 * library's per-entry streams cost more than the compression. The format is ustar, as tar-stream writes it (so
 * tar-stream, GNU tar and Go's archive/tar read it): a path longer than 100 bytes is split into prefix and name at
 * a slash; a path that cannot be split so, or is not ASCII, gets a PAX header (`path=`) before its own header.
 */

/** Bytes of a tar block. */
export const TAR_BLOCK = 512;
/** Two zero blocks: the end of an archive. */
export const TAR_END: Uint8Array = new Uint8Array(2 * TAR_BLOCK);

/** The zero bytes that pad `size` bytes of content to a whole block. */
export function tarPaddingSize(size: number): number {
  return (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK;
}

/** The smallest size the 11 octal digits of ustar's size field cannot hold (8 GiB). */
const MAX_OCTAL_SIZE = 8 ** 11;

function octal(value: number, digits: number): string {
  const s = value.toString(8);
  return s.length > digits ? '7'.repeat(digits) : s.padStart(digits, '0');
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * True when every character of `s` is ASCII (one byte each in UTF-8). A regular expression: it runs as native
 * code from its first use, where a loop over the characters ran interpreted for much of a short backup's life.
 */
function isAscii(s: string): boolean {
  return !NON_ASCII.test(s);
}

/** True when `path` fits ustar's name field alone: ASCII, 100 bytes at most (the common case, with no split). */
function fitsNameField(path: string): boolean {
  return path.length <= 100 && isAscii(path);
}

/** Splits a path into ustar's prefix (155 bytes at most) and name (100 at most), or undefined when it cannot be. */
function splitUstar(path: string): [prefix: string, name: string] | undefined {
  if (fitsNameField(path)) return ['', path];
  if (!isAscii(path)) return undefined;
  // The name is what follows the first slash that leaves at most 100 bytes after it.
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    if (path.length - i - 1 <= 100) return i <= 155 && i > 0 ? [path.slice(0, i), path.slice(i + 1)] : undefined;
  }
  return undefined;
}

/** A PAX record `<length> path=<path>\n`, its length counting itself. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const len = Buffer.byteLength(body);
  let total = len + String(len).length;
  if (String(total).length !== String(len).length) total = len + String(total).length;
  return Buffer.from(`${total}${body}`, 'utf8');
}

/**
 * Writes headers of regular files (mode 0644, owner 0:0, one modification time) into a caller's buffer: a
 * template holds the fixed fields and their checksum, so that each header only adds its name and size.
 */
export class TarHeaders {
  private readonly template = Buffer.alloc(TAR_BLOCK);
  private readonly templateSum: number;

  constructor(mtime: Date) {
    const t = this.template;
    t.write(`${octal(0o644, 6)} `, 100, 'latin1');
    t.write(`${octal(0, 6)} `, 108, 'latin1');
    t.write(`${octal(0, 6)} `, 116, 'latin1');
    t.write(`${octal(Math.floor(mtime.getTime() / 1000), 11)} `, 136, 'latin1');
    t.write('ustar\0', 257, 'latin1');
    t.write('00', 263, 'latin1');
    t.write(`${octal(0, 6)} `, 329, 'latin1');
    t.write(`${octal(0, 6)} `, 337, 'latin1');
    // The checksum counts its own field as spaces; the type flag is added per header.
    let sum = 8 * 32;
    for (let i = 0; i < TAR_BLOCK; i++) if (i < 148 || i >= 156) sum += t[i]!;
    this.templateSum = sum;
  }

  /** Bytes the header(s) of `path` take: one block, or three and a PAX record's blocks when ustar cannot hold it. */
  sizeOf(path: string): number {
    if (fitsNameField(path) || splitUstar(path)) return TAR_BLOCK;
    const pax = paxRecord('path', path).length;
    return 2 * TAR_BLOCK + pax + tarPaddingSize(pax);
  }

  /** Writes the header(s) of a file of `size` bytes at `path` into `target` at `offset`; returns the bytes written. */
  write(target: Buffer, offset: number, path: string, size: number): number {
    // The common case without the split's array.
    if (fitsNameField(path)) return this.block(target, offset, '', path, size, 0x30);
    const split = splitUstar(path);
    if (split) return this.block(target, offset, split[0], split[1], size, 0x30);
    const pax = paxRecord('path', path);
    let at = offset + this.block(target, offset, '', 'PaxHeader', pax.length, 0x78);
    at += pax.copy(target, at);
    const pad = tarPaddingSize(pax.length);
    target.fill(0, at, at + pad);
    at += pad;
    at += this.block(target, at, '', 'PaxHeader', size, 0x30);
    return at - offset;
  }

  private block(target: Buffer, offset: number, prefix: string, name: string, size: number, type: number): number {
    target.set(this.template, offset);
    let sum = this.templateSum + type;
    target[offset + 156] = type;
    sum += writeAscii(target, offset, name);
    if (prefix) sum += writeAscii(target, offset + 345, prefix);
    if (size >= MAX_OCTAL_SIZE) {
      // Base-256 for sizes of 8 GiB and more.
      target[offset + 124] = 0x80;
      sum += 0x80;
      let n = size;
      for (let i = 11; i > 0; i--) {
        const b = n % 256;
        target[offset + 124 + i] = b;
        sum += b;
        n = Math.floor(n / 256);
      }
    } else {
      sum += writeOctal(target, offset + 124, size, 11);
      target[offset + 135] = 0x20;
      sum += 0x20;
    }
    writeOctal(target, offset + 148, sum, 6);
    target[offset + 154] = 0x20;
    return TAR_BLOCK;
  }
}

/**
 * Writes an ASCII string and returns the sum of its bytes. A loop: the headers' fields are short, and a native
 * write per field cost more than the loop (two headers per backed-up item).
 */
function writeAscii(target: Buffer, offset: number, s: string): number {
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    target[offset + i] = c;
    sum += c;
  }
  return sum;
}

/** Writes `value` as `digits` octal digits, zero-padded, and returns the sum of their bytes (value < 8 ** digits). */
function writeOctal(target: Buffer, offset: number, value: number, digits: number): number {
  let sum = 0;
  let n = value;
  for (let i = digits - 1; i >= 0; i--) {
    const c = 0x30 + (n % 8);
    target[offset + i] = c;
    sum += c;
    n = Math.floor(n / 8);
  }
  return sum;
}
