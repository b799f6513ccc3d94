import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Alias, Document, Node } from 'yaml';
import type { SourcePosition } from '../core/errors.js';
import { describeYamlProblems } from '../core/describe-yaml-problems.js';
import type { DiagnosticSink } from './diagnostic-sink.js';

/** One step of a path into the document: a map key or a sequence index. */
export type PathSegment = string | number;

/** A parsed YAML file: plain values plus the line:col of every node. */
export interface YamlSource {
  /** File path for messages, as the user typed it. */
  file: string;
  /** The document as plain JSON-like values (null for an empty file). */
  value: unknown;
  /** Position of the node at `path`: its key (`key`) or its value (`value`, the key when the value is empty); the nearest existing ancestor when the path is absent. */
  locate(path: readonly PathSegment[], target?: 'key' | 'value'): SourcePosition;
}

/** Parse YAML text with positions; YAML errors (syntax, duplicate keys, unknown tags) go to `sink` as `invalid` and return undefined. */
export function parseYamlSource(text: string, file: string, sink: DiagnosticSink): YamlSource | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): SourcePosition => ({ file, ...lineCounter.linePos(offset) });
  for (const problem of describeYamlProblems([...doc.errors, ...doc.warnings], text)) {
    sink.invalid('', problem.message, at(problem.offset));
  }
  if (doc.errors.length > 0 || doc.warnings.length > 0) return undefined;
  const recursive = findRecursiveAlias(doc);
  if (recursive) {
    const message = `alias *${recursive.source} refers to the anchor &${recursive.source} that contains it; a pipeline is a tree, so an alias may only repeat a node defined outside it`;
    sink.invalid('', message, at(recursive.range?.[0] ?? 0));
    return undefined;
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // yaml's own words for this case ("indicates a resource exhaustion attack") accuse the user.
    const message = /Excessive alias count/.test((error as Error).message)
      ? 'the aliases (*name) expand into too many copies of their anchors (aliases of aliases multiply); repeat fewer nodes by alias'
      : `invalid YAML: ${(error as Error).message}`;
    sink.invalid('', message, at(doc.contents?.range[0] ?? 0));
    return undefined;
  }
  return {
    file,
    value: value ?? null,
    locate: (path, target = 'value') => at(locateOffset(doc, path, target)),
  };
}

/** The first alias inside the node its anchor names (a cycle: the plain value would be infinite). */
function findRecursiveAlias(doc: Document.Parsed): Alias | undefined {
  let found: Alias | undefined;
  visit(doc, {
    Alias(_key, alias, path) {
      const source = alias.resolve(doc);
      if (source === undefined || !path.includes(source)) return undefined;
      found = alias;
      return visit.BREAK;
    },
  });
  return found;
}

function startOf(node: unknown): number | undefined {
  return node && typeof node === 'object' && 'range' in node ? (node as Node).range?.[0] : undefined;
}

// `key:` with nothing after it: a null scalar with an empty source range; point at the key instead.
function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && !!node.range && node.range[0] === node.range[1];
}

// Walks the YAML AST (not the JS value) so that every answer is a real source offset.
function locateOffset(doc: Document.Parsed, path: readonly PathSegment[], target: 'key' | 'value'): number {
  let node: unknown = doc.contents;
  let fallback = startOf(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] as PathSegment;
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return fallback;
      fallback = startOf(pair.key) ?? fallback;
      if (i === path.length - 1 && target === 'key') return fallback;
      if (pair.value === null || isEmptyScalar(pair.value)) return fallback;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) return fallback;
      node = item;
      fallback = startOf(item) ?? fallback;
    } else {
      return fallback;
    }
  }
  return startOf(node) ?? fallback;
}

/** Render a path for messages: `steps[1] (id: join)` + ['needs', 0] gives `steps[1] (id: join).needs[0]`. */
export function formatPath(base: string, segments: readonly PathSegment[]): string {
  let out = base;
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

/** Plain object test for values from YAML (maps), excluding arrays and null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
