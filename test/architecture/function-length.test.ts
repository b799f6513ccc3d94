// Every function in src/ fits on a screen: at most 80 lines from its first line to its closing brace.
// Parsed with the TypeScript compiler API from the real source tree (functions, arrows, methods).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/run-osiris.js';

const MAX_LINES = 80;

function listSourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listSourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** `file:line name (N lines)` for every function body longer than `max` lines in this source text. */
export function findLongFunctions(file: string, text: string, max: number): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    const isFunction =
      ts.isFunctionDeclaration(node) ||
      ts.isFunctionExpression(node) ||
      ts.isArrowFunction(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessor(node) ||
      ts.isSetAccessor(node);
    if (isFunction && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      const named = 'name' in node && node.name ? node : node.parent;
      const name = 'name' in named && named.name ? (named.name as ts.Node).getText(source) : '(anonymous)';
      if (lines > max) found.push(`${file}:${first + 1} ${name} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('function length', () => {
  it(`no function in src/ is longer than ${MAX_LINES} lines`, () => {
    const long = listSourceFiles(join(REPO_ROOT, 'src')).flatMap((path) =>
      findLongFunctions(relative(REPO_ROOT, path), readFileSync(path, 'utf8'), MAX_LINES),
    );
    expect(long).toEqual([]);
  });

  it('counts an arrow function and a method, and leaves a short one alone', () => {
    const body = Array.from({ length: 85 }, (_, i) => `  x += ${i};`).join('\n');
    const text = `const f = () => {\n${body}\n};\nclass C {\n  m() {\n${body}\n  }\n  ok() {\n    return 1;\n  }\n}\n`;
    expect(findLongFunctions('t.ts', text, MAX_LINES)).toEqual([
      't.ts:1 f (87 lines)',
      't.ts:89 m (87 lines)',
    ]);
  });
});
