import { LineCounter, parseAllDocuments, isMap, isSeq, isScalar, type Document, type Node } from 'yaml';
import { SpecError, type Problem } from './problems.js';

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
export function parseDocuments(text: string, source: string): SourceDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
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
    if (doc.errors.length > 0 || doc.contents === null) return;
    out.push({
      label, index, value: doc.toJS({ maxAliasCount: 100 }),
      positionOf: (path) => positionIn(doc, path, lineCounter),
    });
  });
  if (problems.length > 0) throw new SpecError(problems);
  return out;
}

function positionIn(doc: Document, path: readonly (string | number)[], lc: LineCounter): { line: number; column: number } | undefined {
  let node: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === part);
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
    const keys = record ? Object.keys(record).filter((k) => rest === k || rest.startsWith(`${k}.`) || rest.startsWith(`${k}[`)) : [];
    const key = keys.sort((a, b) => b.length - a.length)[0] ?? /^[^.[]+/.exec(rest)?.[0] ?? rest;
    parts.push(key);
    node = record?.[key];
    rest = rest.slice(key.length).replace(/^\./, '');
  }
  return parts;
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
 * of a SpecError it throws get their line and column in the text.
 */
export function parseSingleDocument<T>(text: string, source: string, what: string, parse: (value: unknown, label: string) => T): T {
  const docs = parseDocuments(text, source);
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
