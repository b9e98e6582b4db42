import { isScalar, LineCounter, parseAllDocuments, parseDocument, Scalar } from 'yaml';
import { isRecord, type KubeObject } from '../../model/object.js';
import { MAX_SPEC_BYTES, parseDocuments, refuseOversized, type SourceDocument } from '../../spec/documents.js';

/** The most data a ConfigMap read from a cluster may hold (the API server's own limit for one: 1 MiB). */
export const MAX_CONFIGMAP_DATA_BYTES = 1024 * 1024;
import { SpecError, type Problem } from '../../spec/problems.js';
import { describe, Reporter, type PositionOf } from './report.js';
import type { ResourceModifiers } from './types.js';
import { validateResourceModifiers } from './validate.js';
import { withYaml11Booleans } from './yaml11.js';

type Position = { line: number; column: number };

/**
 * Parses resource-modifier rules from text: bare YAML or JSON, or a ConfigMap (YAML) whose data has exactly one
 * key holding them. Throws SpecError with every problem, each with its field path (which names the rule index),
 * line and column in `text`.
 */
export function parseResourceModifiers(text: string, source: string): ResourceModifiers {
  refuseOversized(text, source, MAX_SPEC_BYTES);
  const syntax = syntaxProblems(text, source);
  if (syntax.length > 0) throw new SpecError(syntax);
  const docs = parseDocuments(text, source);
  if (docs.length !== 1) {
    throw new SpecError([{ document: source, path: '', message: docs.length === 0
      ? 'no resource modifiers found: the text is empty'
      : `expected one document (the rules, or a ConfigMap holding them), found ${docs.length}` }]);
  }
  const doc = docs[0]!;
  if (isRecord(doc.value) && doc.value.kind === 'ConfigMap') {
    const key = dataKey(doc.value, doc.label, doc.positionOf);
    return parseEmbedded(doc.value.data as Record<string, string>, key, doc.label, embeddedPositions(text, key, doc));
  }
  return validated(withYaml11Booleans(doc.value, text), new Reporter(doc.label, doc.positionOf));
}

/** Parses resource-modifier rules from a ConfigMap read from a cluster; its data must have exactly one key. */
export function parseResourceModifiersConfigMap(configMap: KubeObject, source: string): ResourceModifiers {
  const key = dataKey(configMap, source, () => undefined);
  refuseOversized((configMap.data as Record<string, string>)[key]!, source, MAX_CONFIGMAP_DATA_BYTES);
  return parseEmbedded(configMap.data as Record<string, string>, key, source, { map: (p) => p });
}

function validated(value: unknown, report: Reporter): ResourceModifiers {
  const modifiers = validateResourceModifiers(value, report);
  if (!modifiers) throw new SpecError(report.problems);
  return modifiers;
}

// Velero reads the one value of a ConfigMap's data, whatever its key.
function dataKey(configMap: Record<string, unknown>, document: string, positionOf: PositionOf): string {
  const data = configMap.data;
  const at = (path: string[]): Partial<Position> => positionOf(path) ?? positionOf([]) ?? {};
  const fail = (path: string, message: string): never => {
    throw new SpecError([{ document, path, message, ...at(path ? [path] : []) }]);
  };
  if (!isRecord(data)) return fail('data', 'a resource-modifier ConfigMap needs data with one key holding the rules');
  const keys = Object.keys(data);
  if (keys.length !== 1) {
    return fail('data', `a resource-modifier ConfigMap must have exactly one key in data, found ${keys.length}${keys.length ? ` (${keys.join(', ')})` : ''}`);
  }
  if (typeof data[keys[0]!] !== 'string') {
    throw new SpecError([{ document, path: `data.${keys[0]}`, message: `expected the rules as text, got ${describe(data[keys[0]!])}`, ...at(['data', keys[0]!]) }]);
  }
  return keys[0]!;
}

/** Maps a line and column inside the data text to the outer source; `fallback` when it cannot be mapped exactly. */
interface EmbeddedPositions {
  map(inner: Position): Position | undefined;
  fallback?: Position;
}

function parseEmbedded(data: Record<string, string>, key: string, document: string, positions: EmbeddedPositions): ResourceModifiers {
  const locate = (inner: Partial<Position>): Partial<Position> =>
    (inner.line !== undefined ? positions.map({ line: inner.line, column: inner.column ?? 1 }) : undefined) ?? positions.fallback ?? {};
  const suffix = (inner: Partial<Position>): string =>
    inner.line !== undefined && !positions.map({ line: inner.line, column: inner.column ?? 1 })
      ? ` (line ${inner.line}, column ${inner.column ?? 1} of data.${key})` : '';
  const syntax = syntaxProblems(data[key]!, document);
  if (syntax.length > 0) {
    throw new SpecError(syntax.map((p): Problem => {
      const { line, column, ...rest } = p;
      return { ...rest, path: `data.${key}`, message: `${p.message}${suffix({ line, column })}`, ...locate({ line, column }) };
    }));
  }
  const inner = parseDocuments(data[key]!, document);
  if (inner.length !== 1) {
    throw new SpecError([{ document, path: `data.${key}`, message: `expected the rules as one YAML document, found ${inner.length}`, ...locate({}) }]);
  }
  const doc = inner[0]!;
  const positionOf: PositionOf = (path) => {
    const at = doc.positionOf(path);
    return at ? (positions.map(at) ?? positions.fallback) : undefined;
  };
  const innerAt = (path: readonly (string | number)[]): Partial<Position> => {
    for (let n = path.length; n >= 0; n--) {
      const at = doc.positionOf(path.slice(0, n));
      if (at) return at;
    }
    return {};
  };
  return validated(withYaml11Booleans(doc.value, data[key]!), new Reporter(document, positionOf, ['data', key], (path) => suffix(innerAt(path))));
}

/** YAML syntax errors with their line and column (taken from the error's offset). */
function syntaxProblems(text: string, document: string): Problem[] {
  const lineCounter = new LineCounter();
  const problems: Problem[] = [];
  // Duplicate keys are found by parseDocuments in linear time; the parser's own check is quadratic.
  for (const doc of parseAllDocuments(text, { lineCounter, uniqueKeys: false, prettyErrors: false })) {
    for (const err of doc.errors) {
      const { line, col } = lineCounter.linePos(err.pos[0]);
      problems.push({ document, path: '', message: err.message.split('\n')[0]!, line, column: col });
    }
  }
  return problems;
}

// A literal block scalar (`modifier: |`) keeps the rules' lines one for one, shifted by its indentation, so a
// position inside the rules maps exactly to the ConfigMap's source. Other scalar styles map to the key itself.
function embeddedPositions(text: string, key: string, outer: SourceDocument): EmbeddedPositions {
  const fallback = outer.positionOf(['data', key]);
  const none: EmbeddedPositions = { map: () => undefined, fallback };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const node = doc.getIn(['data', key], true);
  if (!isScalar(node) || node.type !== Scalar.BLOCK_LITERAL || !node.range) return none;
  const headerEnd = text.indexOf('\n', node.range[0]);
  if (headerEnd < 0 || /\d/.test(text.slice(node.range[0], headerEnd))) return none;
  const body = text.slice(headerEnd + 1, node.range[1]);
  const firstContent = /^( *)[^ \n]/m.exec(body);
  if (!firstContent) return none;
  const indent = firstContent[1]!.length;
  const firstLine = lineCounter.linePos(headerEnd + 1).line;
  return { map: (p) => ({ line: firstLine + p.line - 1, column: p.column + indent }), fallback };
}
