import { MAX_OBJECT_DEPTH } from '../model/depth.js';
import type { KubeObject } from '../model/object.js';
import { EXCLUDE_FROM_BACKUP_LABEL } from './never-backed-up.js';

/**
 * One item of a LIST answer kept as the server's bytes, with the few fields a backup decides on. Parsing a page
 * into objects and encoding every object again for the archive cost most of a backup's CPU; the bytes of an item
 * go to the archive as they came instead.
 */
export interface RawItem {
  name: string;
  /** `""` when the answer has none (cluster-scoped objects). */
  namespace: string;
  /** The item's labels, decoded on first use. */
  readonly labels: Record<string, string>;
  /** True when the item carries `velero.io/exclude-from-backup: "true"`. */
  readonly excludedFromBackup: boolean;
  /** The item's JSON with `apiVersion` and `kind` first (LIST items carry neither), in parts to write in order. */
  parts: Uint8Array[];
  /** Total bytes of `parts`. */
  size: number;
  /** How many levels of objects and arrays the item nests (the item itself is 1); see lib/model/depth.ts. */
  depth: number;
  /** The whole object, parsed on demand (for the few types whose content matters, such as claims). */
  object(): KubeObject;
}

/** One LIST page split into its items. */
export interface RawListPage {
  items: RawItem[];
  continueToken?: string;
  resourceVersion?: string;
}

/** Thrown when a LIST answer is not the JSON list it should be. */
export class ListFormatError extends Error {
  override name = 'ListFormatError';
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * Splits the bytes of a LIST answer (`{"kind":"ConfigMapList","metadata":{...},"items":[...]}`) into its items
 * without decoding them: a scan that skips strings with indexOf and counts brackets. Each item's name, namespace
 * and labels are read from its metadata; `apiVersion` and `kind` are written in front of each item unless the
 * item has its own (custom resources do), whose values the list's type then replaces as a parsed list would.
 */
export function splitList(body: Uint8Array, apiVersion: string, kind: string): RawListPage {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const scan = new Scanner(buf);
  const page: RawListPage = { items: [] };
  const typePrefix = Buffer.from(`{"apiVersion":${JSON.stringify(apiVersion)},"kind":${JSON.stringify(kind)}`, 'utf8');
  scan.objectKeys(scan.skipWs(0), (ks, ke, at) => {
    if (scan.keyIs(ks, ke, 'metadata')) {
      const end = scan.skipValue(at);
      const meta = JSON.parse(buf.toString('utf8', at, end)) as { continue?: string; resourceVersion?: string };
      if (meta.continue) page.continueToken = meta.continue;
      if (meta.resourceVersion) page.resourceVersion = meta.resourceVersion;
      return end;
    }
    if (!scan.keyIs(ks, ke, 'items') || buf[at] !== OPEN_BRACKET) return scan.skipValue(at);
    return scan.arrayElements(at, (start) => {
      const item = scan.item(start);
      page.items.push(new ListedItem(buf, start, item, typePrefix, apiVersion, kind));
      return item.end;
    });
  });
  return page;
}

interface ScannedItem {
  end: number;
  name: string;
  namespace: string;
  /** Where metadata.labels' object starts and ends; both 0 when the item has none. */
  labelsStart: number;
  labelsEnd: number;
  hasType: boolean;
  empty: boolean;
  depth: number;
}

/** The exclusion label's key as the API server writes it (Go's encoder escapes no character of it). */
const EXCLUDE_KEY = Buffer.from(JSON.stringify(EXCLUDE_FROM_BACKUP_LABEL), 'utf8');
const COMMA_BYTES = Buffer.from(',');

/** An item of a page: the page's bytes and where the item and its labels are in them. */
class ListedItem implements RawItem {
  readonly name: string;
  readonly namespace: string;
  readonly parts: Uint8Array[];
  readonly size: number;
  readonly depth: number;
  readonly excludedFromBackup: boolean;
  private decodedLabels?: Record<string, string>;

  constructor(private readonly buf: Buffer, private readonly start: number, private readonly scanned: ScannedItem,
    typePrefix: Buffer, private readonly apiVersion: string, private readonly kind: string) {
    this.name = scanned.name;
    this.namespace = scanned.namespace;
    this.depth = scanned.depth;
    if (scanned.depth > MAX_OBJECT_DEPTH) {
      // Refused by the backup (BackupContents.writeRaw): not encoded again, which could overflow the stack.
      this.parts = [];
    } else if (scanned.hasType) {
      // Rare (custom resources): encode it again so that the list's apiVersion and kind win, as in a parsed list.
      this.parts = [Buffer.from(JSON.stringify(this.object()), 'utf8')];
    } else {
      const rest = buf.subarray(start + 1, scanned.end);
      this.parts = scanned.empty ? [typePrefix, rest] : [typePrefix, COMMA_BYTES, rest];
    }
    let size = 0;
    for (const part of this.parts) size += part.length;
    this.size = size;
    this.excludedFromBackup = this.findExclusion();
  }

  get labels(): Record<string, string> {
    const { labelsStart, labelsEnd } = this.scanned;
    this.decodedLabels ??= labelsEnd > labelsStart ? JSON.parse(this.buf.toString('utf8', labelsStart, labelsEnd)) as Record<string, string> : {};
    return this.decodedLabels;
  }

  object(): KubeObject {
    return { ...(JSON.parse(this.buf.toString('utf8', this.start, this.scanned.end)) as KubeObject), apiVersion: this.apiVersion, kind: this.kind };
  }

  /**
   * Whether the exclusion label is set, without decoding the labels of every item: only labels that hold its
   * key (quoted, so not as part of a longer key) or any escape are decoded.
   */
  private findExclusion(): boolean {
    const { labelsStart, labelsEnd } = this.scanned;
    if (labelsEnd <= labelsStart) return false;
    // A view of the labels alone: a search of the whole page from here would cost a page per item.
    const labels = this.buf.subarray(labelsStart, labelsEnd);
    if (labels.indexOf(EXCLUDE_KEY) < 0 && labels.indexOf(BACKSLASH) < 0) return false;
    return this.labels[EXCLUDE_FROM_BACKUP_LABEL] === 'true';
  }
}

/** A forward-only reader of JSON bytes that finds where values end without decoding them. */
class Scanner {
  /** How many levels the last value skipped nests (0 for a string, a number, true, false or null). */
  lastDepth = 0;

  constructor(private readonly buf: Buffer) {}

  skipWs(i: number): number {
    const buf = this.buf;
    for (;;) {
      const c = buf[i];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return i;
    }
  }

  /** `i` at an opening quote; returns the index after the closing one. */
  skipString(i: number): number {
    const buf = this.buf;
    // Most strings (keys, names) are short: a loop is cheaper than a native call; long ones go to indexOf.
    const stop = Math.min(i + 48, buf.length);
    for (let k = i + 1; k < stop; k++) {
      const c = buf[k];
      if (c === QUOTE) return k + 1;
      if (c === BACKSLASH) k++;
    }
    let j = buf.indexOf(QUOTE, i + 1);
    for (;;) {
      if (j < 0) throw new ListFormatError(`unterminated string at byte ${i}`);
      let slashes = 0;
      for (let k = j - 1; buf[k] === BACKSLASH; k--) slashes++;
      if (slashes % 2 === 0) return j + 1;
      j = buf.indexOf(QUOTE, j + 1);
    }
  }

  /** The string value at `i` (an opening quote), decoded. */
  readString(i: number): [string, number] {
    const end = this.skipString(i);
    const raw = this.buf.toString('utf8', i + 1, end - 1);
    return [raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw, end];
  }

  /** Returns the index after the value starting at `i`. */
  skipValue(i: number): number {
    const buf = this.buf;
    const c = buf[i];
    this.lastDepth = 0;
    if (c === QUOTE) return this.skipString(i);
    if (c === OPEN_BRACE || c === OPEN_BRACKET) return this.skipNested(i);
    // A number, true, false or null.
    let k = i;
    while (k < buf.length) {
      const b = buf[k];
      if (b === COMMA || b === CLOSE_BRACE || b === CLOSE_BRACKET || b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) break;
      k++;
    }
    if (k === i) throw new ListFormatError(`a value was expected at byte ${i}`);
    return k;
  }

  /**
   * `i` at an opening brace or bracket; returns the index after its match. One loop over the bytes, with short
   * strings skipped inside it: most of an item's structure (managedFields above all) is short keys, and a call
   * per string cost more than the loop, before the JIT optimizes it above all (a backup's process is short-lived).
   */
  private skipNested(i: number): number {
    const buf = this.buf;
    const n = buf.length;
    let depth = 0;
    let deepest = 0;
    let k = i;
    while (k < n) {
      const b = buf[k];
      if (b === QUOTE) {
        let j = k + 1;
        const stop = Math.min(j + 32, n);
        while (j < stop) {
          const s = buf[j];
          if (s === QUOTE) break;
          j += s === BACKSLASH ? 2 : 1;
        }
        k = j < stop ? j + 1 : this.skipString(k);
        continue;
      }
      if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        if (++depth > deepest) deepest = depth;
      } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          this.lastDepth = deepest;
          return k + 1;
        }
      }
      k++;
    }
    throw new ListFormatError(`unterminated value at byte ${i}`);
  }

  /** True when the key whose quotes are at `start` and `end - 1` is `name` (ASCII, no escapes): no decoding. */
  keyIs(start: number, end: number, name: string): boolean {
    if (end - start - 2 !== name.length) return false;
    for (let k = 0; k < name.length; k++) if (this.buf[start + 1 + k] !== name.charCodeAt(k)) return false;
    return true;
  }

  /**
   * Walks an object's members; `member` gets where each key starts and ends (quotes included, see keyIs) and
   * where its value starts, and returns where the value ends.
   */
  objectKeys(i: number, member: (keyStart: number, keyEnd: number, at: number) => number): number {
    const buf = this.buf;
    if (buf[i] !== OPEN_BRACE) throw new ListFormatError(`an object was expected at byte ${i}`);
    i = this.skipWs(i + 1);
    if (buf[i] === CLOSE_BRACE) return i + 1;
    for (;;) {
      if (buf[i] !== QUOTE) throw new ListFormatError(`a key was expected at byte ${i}`);
      const keyStart = i;
      const afterKey = this.skipString(i);
      i = this.skipWs(afterKey);
      if (buf[i] !== COLON) throw new ListFormatError(`a colon was expected at byte ${i}`);
      i = this.skipWs(member(keyStart, afterKey, this.skipWs(i + 1)));
      if (buf[i] === COMMA) i = this.skipWs(i + 1);
      else if (buf[i] === CLOSE_BRACE) return i + 1;
      else throw new ListFormatError(`a comma or a closing brace was expected at byte ${i}`);
    }
  }

  /** Walks an array's elements; `element` gets where each starts and returns where it ends. */
  arrayElements(i: number, element: (at: number) => number): number {
    const buf = this.buf;
    i = this.skipWs(i + 1);
    if (buf[i] === CLOSE_BRACKET) return i + 1;
    for (;;) {
      i = this.skipWs(element(i));
      if (buf[i] === COMMA) i = this.skipWs(i + 1);
      else if (buf[i] === CLOSE_BRACKET) return i + 1;
      else throw new ListFormatError(`a comma or a closing bracket was expected at byte ${i}`);
    }
  }

  /** Scans one item object: its end, whether it names its own type, and its metadata's name, namespace and labels. */
  item(start: number): ScannedItem {
    const out: ScannedItem = { end: 0, name: '', namespace: '', labelsStart: 0, labelsEnd: 0, hasType: false, empty: true, depth: 1 };
    // The item is level 1, its members' values start at level 2, metadata's members' values at level 3.
    const reach = (level: number, end: number) => {
      if (level - 1 + this.lastDepth > out.depth) out.depth = level - 1 + this.lastDepth;
      return end;
    };
    out.end = this.objectKeys(start, (ks, ke, at) => {
      out.empty = false;
      if (this.keyIs(ks, ke, 'apiVersion') || this.keyIs(ks, ke, 'kind')) out.hasType = true;
      if (!this.keyIs(ks, ke, 'metadata') || this.buf[at] !== OPEN_BRACE) return reach(2, this.skipValue(at));
      if (out.depth < 2) out.depth = 2;
      return this.objectKeys(at, (fs, fe, v) => {
        const field = this.keyIs(fs, fe, 'name') ? 'name' : this.keyIs(fs, fe, 'namespace') ? 'namespace' : undefined;
        if (field && this.buf[v] === QUOTE) {
          const [value, end] = this.readString(v);
          out[field] = value;
          return end;
        }
        if (this.keyIs(fs, fe, 'labels') && this.buf[v] === OPEN_BRACE) {
          out.labelsStart = v;
          out.labelsEnd = reach(3, this.skipValue(v));
          return out.labelsEnd;
        }
        return reach(3, this.skipValue(v));
      });
    });
    return out;
  }
}
