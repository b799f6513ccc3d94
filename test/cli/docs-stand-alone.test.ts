// Docs, code, tests and help stand on their own: no citation of documents that are not in the repository
// (the design, E2B and performance notes, or anything under ../shared/), and every repository path the
// "Adding a component" guide names exists.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runOsiris } from '../support/run-osiris.js';

// `DESIGN 5.3`, `DESIGN.md`, `E2B-NOTES 3.4`, `PERF-NOTES gotcha 5`, `../shared/dev/x.sh` and a bare
// `shared/datasets/x` (but not a longer path such as `src/shared/x`).
const CITATION = /\bDESIGN(?: \d|\.md)|E2B-NOTES|PERF-NOTES|(?:\.\.\/|(?<![\w./-]))shared\//;
// Generated, git-ignored output (sessions, bench results, example outputs) is not the repository's text.
const SKIPPED_DIRS = new Set(['node_modules', '.osiris', 'output', 'out', 'build', 'logs']);
// This file names the patterns it looks for.
const SELF = 'test/cli/docs-stand-alone.test.ts';

function listFiles(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (!statSync(join(REPO_ROOT, path)).isDirectory()) return [path];
    return SKIPPED_DIRS.has(name) ? [] : listFiles(path);
  });
}

describe('docs and help stand on their own', () => {
  it('the pattern catches every form of citation, and only those', () => {
    const cited = ['DESIGN 5.3', 'see DESIGN.md', 'E2B-NOTES 3.4', 'PERF-NOTES gotcha 5'];
    const paths = ['../shared/dev/start-mariadb.sh', 'copied from shared/datasets/gen-events.mjs'];
    for (const line of [...cited, ...paths]) expect(line).toMatch(CITATION);
    for (const line of ['src/shared/x.ts', 'a DESIGNER 5', 'shared-dir/x', 'unshared/x']) {
      expect(line).not.toMatch(CITATION);
    }
  });

  it('README.md, docs/, src/, test/, bench/, scripts/, examples/ and .ci/ cite no document outside the repository', () => {
    const dirs = ['docs', 'src', 'test', 'bench', 'scripts', 'examples', '.ci'];
    const files = ['README.md', ...dirs.flatMap(listFiles)].filter((file) => file !== SELF);
    expect(files).toContain('test/support/fake-e2b/index.ts');
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
