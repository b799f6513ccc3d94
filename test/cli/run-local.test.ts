// End-to-end: the built `osiris` binary on real files with the real DuckDB data plane (no server needed).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTempDir } from '../support/temp-dirs.js';
import { EVENTS, METRICS, MUST_EXIST_FILES } from '../../src/core/index.js';
import {
  createLineValidators,
  createProject,
  findOnlySession,
  readLines,
  runOsiris,
} from '../support/run-osiris.js';

const PIPELINE = `oml_version: "0.1.0"
name: people-by-city
params:
  min_age: { default: 18 }
steps:
  - id: extract-people
    component: filesystem.csv_extractor
    mode: read
    config:
      path: data/people.csv
  - id: extract-cities
    component: filesystem.csv_extractor
    mode: read
    config:
      path: data/cities.csv
  - id: adults-by-country
    component: duckdb.processor
    mode: transform
    needs: [extract-people, extract-cities]
    config:
      query: >
        SELECT c.country, count(*) AS adults, sum(p.balance) AS balance
        FROM "extract-people" p JOIN df_extract_cities c ON p.city = c.city
        WHERE p.age >= \${params.min_age}
        GROUP BY c.country ORDER BY c.country
  - id: write-report
    component: filesystem.csv_writer
    mode: write
    config:
      path: out/report.csv
`;

const FILES = {
  'pipelines/people.yaml': PIPELINE,
  'data/people.csv':
    'id,name,age,city,balance\n1,Ada,36,London,10.50\n2,Grace,45,New York,20.25\n3,Kid,9,London,1.00\n4,Linus,28,Helsinki,\n',
  'data/cities.csv': 'city,country\nLondon,UK\nNew York,US\nHelsinki,FI\n',
};

describe('osiris run (local, CSV -> DuckDB -> CSV)', () => {
  let project: string;
  let result: Awaited<ReturnType<typeof runOsiris>>;
  let session: string;

  beforeAll(async () => {
    project = createProject(FILES);
    // run from a different current directory: relative paths must resolve against the project dir
    result = await runOsiris(
      ['run', join(project, 'pipelines/people.yaml'), '--logs-dir', join(project, 'logs')],
      { cwd: '/' },
    );
    session = findOnlySession(join(project, 'logs'));
  }, 60_000);

  it('succeeds and writes the output next to the project, not the cwd', () => {
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    expect(readFileSync(join(project, 'out/report.csv'), 'utf8')).toBe(
      'country,adults,balance\nFI,1,\nUK,1,10.50\nUS,1,20.25\n',
    );
  });

  it('leaves every must-exist file and a cleaned config per step, and removes the work area', () => {
    for (const f of MUST_EXIST_FILES) expect(existsSync(join(session, f)), f).toBe(true);
    expect(readdirSync(join(session, 'artifacts')).sort()).toEqual([
      'adults-by-country',
      'extract-cities',
      'extract-people',
      'write-report',
    ]);
    for (const step of ['extract-people', 'write-report']) {
      expect(existsSync(join(session, 'artifacts', step, 'cleaned_config.json'))).toBe(true);
    }
    expect(existsSync(join(session, '.work'))).toBe(false);
  });

  it('writes status.json with exact row totals', () => {
    const status = JSON.parse(readFileSync(join(session, 'status.json'), 'utf8'));
    expect(status).toMatchObject({
      ok: true,
      status: 'success',
      exit_code: 0,
      adapter: 'local',
      steps_total: 4,
      steps_completed: 4,
      rows_read: 7,
      rows_written: 3,
      pipeline_id: 'people-by-city',
    });
    expect(status.session_id).toBe(session.split('/').pop());
  });

  it('emits events and metrics that validate against the schemas, in run order', () => {
    const v = createLineValidators();
    const events = readLines(join(session, 'events.jsonl'));
    const metrics = readLines(join(session, 'metrics.jsonl'));
    for (const e of events) expect(v.event(e), JSON.stringify(e)).toEqual([]);
    for (const m of metrics) expect(v.metric(m), JSON.stringify(m)).toEqual([]);
    for (const e of events) expect(Object.keys(EVENTS)).toContain(e.event);
    for (const m of metrics) expect(Object.keys(METRICS)).toContain(m.metric);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('run_start');
    expect(names.at(-1)).toBe('run_end');
    expect(names.filter((n) => n === 'step_complete')).toHaveLength(4);
    expect(names.indexOf('drivers_registered')).toBeLessThan(names.indexOf('step_start'));
    const rows = (name: string, step: string) =>
      metrics.find((m) => m.metric === name && m.step_id === step)?.value;
    expect(rows('rows_read', 'extract-people')).toBe(4);
    expect(rows('rows_processed', 'adults-by-country')).toBe(3);
    expect(rows('rows_written', 'write-report')).toBe(3);
  });

  it('compiles byte-identically from another cwd and time; a param changes params_fp and manifest_fp', async () => {
    const a = await runOsiris(['compile', 'pipelines/people.yaml', '--json', '--out', 'build-a'], {
      cwd: project,
    });
    const b = await runOsiris(
      ['compile', join(project, 'pipelines/people.yaml'), '--json', '--out', join(project, 'build-b')],
      // another cwd of the test's own (compile writes .osiris/ where it runs): never the system /tmp
      { cwd: createTempDir('osiris-other-cwd-') },
    );
    const c = await runOsiris(
      ['compile', 'pipelines/people.yaml', '--json', '--out', 'build-c', '--param', 'min_age=30'],
      { cwd: project },
    );
    const [ja, jb, jc] = [a, b, c].map((r) => JSON.parse(r.stdout));
    expect(ja.fingerprints).toEqual(jb.fingerprints);
    const files = (root: string) => {
      const dir = join(root, 'people-by-city', ja.fingerprints.manifest_fp.slice(7, 19));
      return ['manifest.yaml', ...readdirSync(join(dir, 'cfg')).map((f) => `cfg/${f}`)].map((f) =>
        readFileSync(join(dir, f), 'utf8'),
      );
    };
    expect(files(join(project, 'build-a'))).toEqual(files(join(project, 'build-b')));
    expect(jc.fingerprints.params_fp).not.toBe(ja.fingerprints.params_fp);
    expect(jc.fingerprints.manifest_fp).not.toBe(ja.fingerprints.manifest_fp);
    expect(jc.fingerprints.oml_fp).toBe(ja.fingerprints.oml_fp);
  });

  it('runs --last-compile and a manifest as is; logs list shows both', async () => {
    const logs = join(project, 'logs-2');
    await runOsiris(['compile', 'pipelines/people.yaml'], { cwd: project });
    const last = await runOsiris(['run', '--last-compile', '--logs-dir', logs, '--json'], { cwd: project });
    expect(last.code).toBe(0);
    const status = JSON.parse(last.stdout);
    expect(status.ok).toBe(true);
    const manifest = readFileSync(join(project, '.osiris/last_compile.json'), 'utf8');
    const asIs = await runOsiris(['run', JSON.parse(manifest).manifest_path, '--logs-dir', logs], {
      cwd: '/',
    });
    expect(asIs.code).toBe(0);
    const list = JSON.parse(
      (await runOsiris(['logs', 'list', '--logs-dir', logs, '--json'], { cwd: project })).stdout,
    );
    expect(list.sessions).toHaveLength(2);
    expect(list.sessions.map((s: { status: string }) => s.status)).toEqual(['success', 'success']);
  });
});
