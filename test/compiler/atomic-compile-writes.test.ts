// Issue 8 §5: every file compile writes (manifest.yaml, cfg/*.json, .osiris/last_compile.json) is replaced
// by a rename of a complete temp file, never rewritten in place: a reader sees the old bytes or the new.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compilePipeline } from '../../src/api/compile-pipeline.js';
import { createDriverTable } from '../../src/api/driver-table.js';
import { writeFileAtomic } from '../../src/api/write-file-atomic.js';

const PIPELINE = `oml_version: "0.1.0"
name: atomic
steps:
  - id: extract
    component: filesystem.csv_extractor
    mode: read
    config: {path: in.csv}
  - id: save
    component: filesystem.csv_writer
    mode: write
    config: {path: out.csv}
`;

describe('compile writes atomically', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'osiris-atomic-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const compileHere = () =>
    compilePipeline({
      file: 'p.yaml',
      params: {},
      profile: 'default',
      cwd: dir,
      env: {},
      drivers: createDriverTable(),
    });

  it('replaces every changed file by rename (a new inode), leaves unchanged ones alone, no temp file behind', () => {
    writeFileSync(join(dir, 'p.yaml'), PIPELINE);
    const first = compileHere();
    const files = [
      join(first.buildDir, 'manifest.yaml'),
      join(first.buildDir, 'cfg', 'extract.json'),
      join(first.buildDir, 'cfg', 'save.json'),
      join(dir, '.osiris', 'last_compile.json'),
    ];
    const inodes = () => files.map((f) => statSync(f).ino);
    const before = inodes();
    const texts = files.map((f) => readFileSync(f, 'utf8'));
    // the same compile again: every file already holds its bytes, so none is rewritten
    compileHere();
    expect(inodes()).toEqual(before);
    // damaged in place (same inode): the next compile replaces each by a rename
    for (const f of files) writeFileSync(f, 'damaged');
    compileHere();
    files.forEach((f, i) => {
      expect(statSync(f).ino, f).not.toBe(before[i]);
      expect(readFileSync(f, 'utf8')).toBe(texts[i]);
    });
    for (const d of [first.buildDir, join(first.buildDir, 'cfg'), join(dir, '.osiris')])
      expect(readdirSync(d).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('removes its temp file and keeps the target when the rename fails', () => {
    const target = join(dir, 'busy');
    mkdirSync(join(target, 'inside'), { recursive: true });
    expect(() => writeFileAtomic(target, 'new')).toThrow();
    expect(readdirSync(dir)).toEqual(['busy']);
    expect(readdirSync(target)).toEqual(['inside']);
  });
});
