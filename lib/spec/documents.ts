import { LineCounter, parseAllDocuments, isMap, isSeq, isScalar, visit, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { SpecError, type Problem } from './problems.js';

/**
 * The largest spec or config text read (3 MiB, the API server's own limit on a request body): a spec is one
 * object a user writes, and a larger one is refused before it is parsed.
 */
export const MAX_SPEC_BYTES = 3 * 1024 * 1024;

/** Options of parseDocuments. */
export interface ParseOptions {
  /** Texts longer than this many bytes are refused unparsed; no limit when absent (manifests, backups). */
  maxBytes?: number;
}

/** One parsed YAML or JSON document with a way to find the source position of a field path. */
export interface SourceDocument {
  /** `file.yaml#2` style label used in problems. */
  label: string;
  /** 0-based index of the document in its stream. */
  index: number;
  value: unknown;
  /** 1-based line and column of the node at `path` (keys and indexes), when it exists in the source. */
  positionOf(path: readonly (string | number)[]): { line: number; column: number } | undefined;
}

/**
 * Parses a YAML stream (JSON is YAML) into documents; empty documents are dropped. Syntax errors of every
 * document are reported together as one SpecError naming the source, line and column.
 */
export function parseDocuments(text: string, source: string, options: ParseOptions = {}): SourceDocument[] {
  refuseOversized(text, source, options.maxBytes);
  const lineCounter = new LineCounter();
  // NOTE: the parser's own uniqueKeys check compares each key with every earlier one of its map: quadratic (24 s
  // for 20,000 keys). Duplicates are found below with a set per map instead.
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const problems: Problem[] = [];
  const out: SourceDocument[] = [];
  list.forEach((doc, index) => {
    const label = list.length > 1 ? `${source}#${index + 1}` : source;
    for (const err of doc.errors) {
      const pos = err.linePos?.[0];
      const message = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      problems.push({ document: label, path: '', message, line: pos?.line, column: pos?.col });
    }
    const duplicates = duplicateKeys(doc, label, lineCounter);
    problems.push(...duplicates);
    if (doc.errors.length > 0 || duplicates.length > 0 || doc.contents === null) return;
    out.push({
      label, index, value: doc.toJS({ maxAliasCount: 100 }),
      positionOf: (path) => positionIn(doc, path, lineCounter),
    });
  });
  if (problems.length > 0) throw new SpecError(problems);
  return out;
}

/** Refuses a text over `maxBytes` with a problem naming its size. */
export function refuseOversized(text: string, source: string, maxBytes: number | undefined): void {
  // A UTF-16 string takes at least one byte per unit: the exact count is needed only near the limit.
  if (maxBytes === undefined || text.length <= maxBytes / 3) return;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    throw new SpecError([{ document: source, path: '', message: `is ${bytes} bytes, more than the ${maxBytes} bytes Ferry reads of one (refused unparsed)` }]);
  }
}

/** The value of a map key as the parsed object holds it. */
function keyOf(pair: Pair): unknown {
  return isScalar(pair.key) ? pair.key.value : pair.key;
}

/** Keys given twice in one map (YAML forbids it; the parsed object would keep only the last). */
function duplicateKeys(doc: Document, label: string, lc: LineCounter): Problem[] {
  const problems: Problem[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = keyOf(pair);
        if (seen.has(key)) {
          const at = (pair.key as Node | null)?.range?.[0];
          const pos = at !== undefined ? lc.linePos(at) : undefined;
          problems.push({ document: label, path: '', message: `Map keys must be unique: ${JSON.stringify(String(key))} is given twice`, line: pos?.line, column: pos?.col });
        }
        seen.add(key);
      }
    },
  });
  return problems;
}

/** Each map's pairs by key, built once per map a position is asked in: lookups stay constant-time. */
const pairsByKey = new WeakMap<YAMLMap, Map<unknown, Pair>>();

function pairIn(map: YAMLMap, key: unknown): Pair | undefined {
  let index = pairsByKey.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) index.set(keyOf(pair), pair as Pair);
    pairsByKey.set(map, index);
  }
  return index.get(key);
}

function positionIn(doc: Document, path: readonly (string | number)[], lc: LineCounter): { line: number; column: number } | undefined {
  let node: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (const part of path) {
    if (isMap(node)) {
      const pair = pairIn(node as YAMLMap, part);
      if (!pair) return undefined;
      keyNode = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      node = node.items[part];
      keyNode = node as Node;
    } else {
      return undefined;
    }
  }
  const range = (keyNode ?? (node as Node | undefined))?.range;
  if (!range) return undefined;
  const { line, col } = lc.linePos(range[0]);
  return { line, column: col };
}

/** Splits a problem path into keys and indexes by walking the document, so map keys holding dots stay whole. */
export function pathParts(root: unknown, path: string): (string | number)[] {
  const parts: (string | number)[] = [];
  let node = root;
  let rest = path;
  while (rest) {
    const index = /^\[(\d+)\]\.?/.exec(rest);
    if (index) {
      parts.push(Number(index[1]));
      node = Array.isArray(node) ? node[Number(index[1])] : undefined;
      rest = rest.slice(index[0].length);
      continue;
    }
    const record = typeof node === 'object' && node !== null && !Array.isArray(node) ? node as Record<string, unknown> : undefined;
    const key = (record && longestKeyPrefix(record, rest)) ?? /^[^.[]+/.exec(rest)?.[0] ?? rest;
    parts.push(key);
    node = record?.[key];
    rest = rest.slice(key.length).replace(/^\./, '');
  }
  return parts;
}

/**
 * The longest key of `record` that `rest` starts with, followed by the end, a "." or a "[": tried at each such
 * place in `rest` (so in time linear in the path, not in the number of keys).
 */
function longestKeyPrefix(record: Record<string, unknown>, rest: string): string | undefined {
  let found: string | undefined;
  for (let i = 1; i <= rest.length; i++) {
    if (i < rest.length && rest[i] !== '.' && rest[i] !== '[') continue;
    const candidate = rest.slice(0, i);
    if (Object.prototype.hasOwnProperty.call(record, candidate)) found = candidate;
  }
  return found;
}

/** Adds the source position of a problem's path, or of its nearest ancestor that the source has. */
export function withPosition(p: Problem, doc: Pick<SourceDocument, 'value' | 'positionOf'>): Problem {
  const parts = pathParts(doc.value, p.path);
  for (let n = parts.length; n > 0; n--) {
    const position = doc.positionOf(parts.slice(0, n));
    if (position) return { ...p, ...position };
  }
  return p;
}

/**
 * Parses a text that must hold exactly one document (`what` names it in the error) with `parse`; the problems
 * of a SpecError it throws get their line and column in the text. Texts over MAX_SPEC_BYTES are refused.
 */
export function parseSingleDocument<T>(text: string, source: string, what: string, parse: (value: unknown, label: string) => T): T {
  const docs = parseDocuments(text, source, { maxBytes: MAX_SPEC_BYTES });
  if (docs.length !== 1) {
    throw new SpecError([{ document: source, path: '', message: `expected exactly one ${what} document, found ${docs.length}` }]);
  }
  const doc = docs[0]!;
  try {
    return parse(doc.value, doc.label);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    throw new SpecError(err.problems.map((p) => withPosition(p, doc)), { cause: err });
  }
}
