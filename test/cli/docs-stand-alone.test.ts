// Docs and help stand on their own: no citation of documents that are not in the repository
// (DESIGN sections, PERF-NOTES), and every repository path the "Adding a component" guide names exists.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runOsiris } from '../support/run-osiris.js';

const CITATION = /\bDESIGN \d|PERF-NOTES/;

function listFiles(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(REPO_ROOT, path)).isDirectory() ? listFiles(path) : [path];
  });
}

describe('docs and help stand on their own', () => {
  it('docs/, README.md and src/ cite no document outside the repository', () => {
    const files = ['README.md', ...listFiles('docs'), ...listFiles('src')];
    const citing = files.flatMap((file) =>
      readFileSync(join(REPO_ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (CITATION.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(citing).toEqual([]);
  });

  it('logs compare --help says the rule instead of citing it', async () => {
    const help = await runOsiris(['logs', 'compare', '--help'], { cwd: REPO_ROOT });
    expect(help.code).toBe(0);
    expect(help.stdout).not.toMatch(CITATION);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('compare two sessions after normalization');
  });

  it('docs/adding-a-component.md names only paths that exist (besides the example component)', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/adding-a-component.md'), 'utf8');
    const paths = [...doc.matchAll(/`((?:src|test|docs|schemas)\/[\w./<>-]+)`/g)].map((m) => m[1] as string);
    expect(paths.length).toBeGreaterThan(10);
    const missing = paths.filter(
      (p) => !p.includes('jsonl') && !p.includes('<') && !existsSync(join(REPO_ROOT, p)),
    );
    expect(missing).toEqual([]);
  });

  it('README.md and docs/architecture.md link the guide', () => {
    expect(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).toContain('(docs/adding-a-component.md)');
    expect(readFileSync(join(REPO_ROOT, 'docs/architecture.md'), 'utf8')).toContain(
      '(adding-a-component.md)',
    );
  });
});
