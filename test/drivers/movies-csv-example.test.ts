// The shipped example runs through the real CLI (built by `npm test`) from a copy of its directory.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  createLineValidators,
  findOnlySession,
  readLines,
  runOsiris,
} from '../support/run-osiris.js';
import { parseCanonicalCsv } from './contract/canonical-csv.js';

const work = mkdtempSync(join(tmpdir(), 'osiris-example-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('examples/movies-csv', () => {
  it('runs from another directory and writes both outputs relative to the project directory', async () => {
    const project = join(work, 'movies-csv');
    cpSync(join(REPO_ROOT, 'examples', 'movies-csv'), project, {
      recursive: true,
      filter: (src) => !src.includes(join('movies-csv', 'output')),
    });
    const logs = join(work, 'logs');
    const result = await runOsiris(
      ['run', join(project, 'pipeline.yaml'), '--logs-dir', logs, '--out', join(work, 'build')],
      { cwd: work },
    );
    expect(result.stderr + result.stdout).not.toContain('Error');
    expect(result.code).toBe(0);

    const decades = parseCanonicalCsv(readFileSync(join(project, 'output', 'director_decades.csv'), 'utf8'));
    expect(decades[0]).toEqual([
      'director',
      'decade',
      'movies',
      'total_budget_usd',
      'total_box_office_usd',
      'best_rating',
      'titles',
    ]);
    expect(decades).toContainEqual([
      'Björn Ångström',
      '2010',
      '2',
      '19000000.00',
      '39000000',
      '7.9',
      '["Northern Lights","Marathon"]',
    ]);
    expect(decades).toContainEqual([
      'José María Peña',
      '2000',
      '1',
      '3000000.00',
      null,
      '6.8',
      '["Desierto Rojo"]',
    ]);
    // The director literally named 'NULL' stays a string; the movie without director is grouped apart.
    expect(decades.map((r) => r[0])).toContain('NULL');
    expect(decades.map((r) => r[0])).toContain('(no director)');

    const cast = parseCanonicalCsv(readFileSync(join(project, 'output', 'cast_list.csv'), 'utf8'));
    expect(cast).toHaveLength(25);
    expect(cast[4]).toEqual([
      'Noir, Again',
      '2',
      'Pierre Lambert',
      'Inspector "Le Chat"',
      '1.76',
      'false',
      '{"tags": ["noir"], "restored": true}',
    ]);
    expect(cast).toContainEqual([
      'Northern Lights',
      '2',
      'Ingrid Solberg',
      null,
      '1.74',
      'false',
      '{"tags": ["epic", "winter"], "sequel_of": null}',
    ]);

    const events = readLines(join(findOnlySession(logs), 'events.jsonl'));
    const writes = events
      .filter((e) => e['event'] === 'write.complete')
      .map((e) => [e['step_id'], e['rows_written'], e['target']]);
    expect(writes).toEqual([
      ['write-director-decades', 14, 'output/director_decades.csv'],
      ['write-cast-list', 24, 'output/cast_list.csv'],
    ]);
    expect(existsSync(join(work, 'output'))).toBe(false);

    // every line the example run wrote validates against the committed schemas
    const validators = createLineValidators();
    for (const e of events) expect(validators.event(e), JSON.stringify(e)).toEqual([]);
    for (const m of readLines(join(findOnlySession(logs), 'metrics.jsonl')))
      expect(validators.metric(m)).toEqual([]);
  });
});
