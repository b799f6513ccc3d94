// Helpers shared by the compiler tests: compile with the test catalog and collect formatted diagnostics.
import { expect } from 'vitest';
import { CompileError, formatDiagnostic } from '../../src/core/errors.js';
import { compileOml, validateOml } from '../../src/compiler/index.js';
import type { CompileInput, CompileOutput } from '../../src/compiler/index.js';
import { createTestCatalog } from './test-catalog.js';

export const FILE = 'pipelines/x.yaml';

/** Join lines into OML text (line numbers in tests are the 1-based positions in this list). */
export function oml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** Compile with the test catalog and defaults for everything the test does not set. */
export function compile(text: string, extra: Partial<CompileInput> = {}): CompileOutput {
  return compileOml({
    text,
    file: FILE,
    catalog: createTestCatalog(),
    cliParams: {},
    env: {},
    compilerVersion: '0.1.0-test',
    ...extra,
  });
}

/** Compile expecting a refusal: checks the error code and returns every diagnostic as `file:line:col: path: message`. */
export function refuse(
  text: string,
  code: 'oml_invalid' | 'compile_error',
  extra: Partial<CompileInput> = {},
): string[] {
  let caught: unknown;
  try {
    compile(text, extra);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CompileError);
  const error = caught as CompileError;
  expect(error.code).toBe(code);
  const lines = error.diagnostics.map(formatDiagnostic);
  expect(error.message).toBe(lines.join('\n'));
  // validateOml runs the same checks and must report the same findings.
  const validated = validateOml({
    text,
    file: FILE,
    catalog: createTestCatalog(),
    cliParams: {},
    env: {},
    ...extra,
  });
  expect(validated.map(formatDiagnostic)).toEqual(lines);
  return lines;
}

/** A valid two-step pipeline body after the header, for tests that vary one thing. */
export const HEADER = ['oml_version: "0.1.0"', 'name: movies'];
