// parseManifest: what `osiris run manifest.yaml` reads back. Round trip and clear errors for bad manifests.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CompileError, formatDiagnostic } from '../../src/core/errors.js';
import { parseManifest } from '../../src/compiler/index.js';
import { compile } from './compile-support.js';

const MOVIES = readFileSync(new URL('../fixtures/oml/movies-etl.yaml', import.meta.url), 'utf8');
const M = 'build/movies-etl/abc/manifest.yaml';

function refuseManifest(text: string, code: 'oml_invalid' | 'compile_error' = 'compile_error'): string[] {
  let caught: unknown;
  try {
    parseManifest(text, M);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CompileError);
  expect((caught as CompileError).code).toBe(code);
  return (caught as CompileError).diagnostics.map(formatDiagnostic);
}

describe('parseManifest', () => {
  const out = compile(MOVIES);

  it('reads back exactly the manifest the compiler wrote', () => {
    expect(parseManifest(out.manifestText, M)).toEqual(out.manifest);
  });

  it('refuses malformed YAML', () => {
    expect(refuseManifest('meta: [1\n', 'oml_invalid')).toEqual([
      `${M}:1:7: unclosed '[': the list that starts here has no closing ']' (close it, or indent its continuation lines deeper than its key)`,
    ]);
  });

  it('refuses a document that is not a manifest', () => {
    expect(refuseManifest('oml_version: "0.1.0"\nname: x\nsteps: []\n')).toEqual([
      `${M}:1:1: oml_version: unknown key 'oml_version' in the manifest (expected: meta, pipeline, steps)`,
      `${M}:1:1: meta: missing key 'meta' in the manifest (recompile the pipeline with \`osiris compile\`)`,
      `${M}:1:1: pipeline: missing key 'pipeline' in the manifest (recompile the pipeline with \`osiris compile\`)`,
      `${M}:2:1: name: unknown key 'name' in the manifest (expected: meta, pipeline, steps)`,
      `${M}:3:8: steps: steps must be a non-empty list (recompile the pipeline with \`osiris compile\`)`,
    ]);
  });

  it('refuses a bad fingerprint, a needs on a later step, a wrong cfg_path and an unknown step key', () => {
    const text = out.manifestText
      .replace(/oml_fp: sha256:[0-9a-f]+/, 'oml_fp: md5:1234')
      .replace('cfg_path: cfg/join.json', 'cfg_path: /tmp/join.json')
      .replace('    needs:\n      - extract-movies', '    needs:\n      - write-db')
      .replace('    mode: read\n', '    mode: read\n    extra: 1\n');
    const lines = text.split('\n');
    const line = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    expect(refuseManifest(text)).toEqual([
      `${M}:${line('oml_fp')}:13: pipeline.fingerprints.oml_fp: must be sha256:<64 hex digits>`,
      `${M}:${line('extra: 1')}:5: steps[0].extra: unknown key 'extra' in steps[0] (expected: id, component, driver, mode, needs, cfg_path, cfg_fp)`,
      `${M}:${line('/tmp/join.json')}:15: steps[2].cfg_path: must be 'cfg/join.json' (the compiler writes each step's config there)`,
      `${M}:${line('- write-db')}:9: steps[2].needs[0]: must name an earlier step (steps are in execution order; earlier: extract-movies, extract-actors)`,
    ]);
  });

  it('refuses a manifest for another OML version and a step with a bad mode', () => {
    const text = out.manifestText
      .replace('oml_version: 0.1.0', 'oml_version: 0.9.0')
      .replace('mode: transform', 'mode: load');
    const lines = text.split('\n');
    expect(refuseManifest(text)).toEqual([
      `${M}:3:16: meta.oml_version: manifest is for OML "0.9.0", this osiris reads "0.1.0" (recompile the pipeline with \`osiris compile\`)`,
      `${M}:${lines.indexOf('    mode: load') + 1}:11: steps[2].mode: must be one of: read, transform, write`,
    ]);
  });
});
