// CLI rough edges on the compiler side, through the real built CLI in a temp project:
// one root-cause finding per mistake, and `run FILE` leaving the last-compile pointer to `osiris compile`.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, runOsiris } from '../support/run-osiris.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function pipeline(name: string, output: string): string {
  return [
    'oml_version: "0.1.0"',
    `name: ${name}`,
    'params:',
    '  limit: { default: 10 }',
    '  label: { default: x }',
    'steps:',
    '  - id: extract',
    '    component: filesystem.csv_extractor',
    '    mode: read',
    '    config: { path: data/a.csv }',
    '  - id: top',
    '    component: duckdb.processor',
    '    mode: transform',
    '    config:',
    '      query: "SELECT * FROM input_df LIMIT ${params.limit}"',
    '  - id: write',
    '    component: filesystem.csv_writer',
    '    mode: write',
    `    config: { path: ${output} }`,
    '',
  ].join('\n');
}

function project(): string {
  const dir = createProject({
    'data/a.csv': 'id,name\n1,a\n2,b\n',
    'pipelines/first.yaml': pipeline('first', 'out/first.csv'),
    'pipelines/second.yaml': pipeline('second', 'out/second.csv'),
  });
  dirs.push(dir);
  return dir;
}

describe('osiris compile reports the root cause once', () => {
  it('--param limit=ten: the type finding only, no "unknown param" that names limit as known', async () => {
    const dir = project();
    const result = await runOsiris(['compile', 'pipelines/first.yaml', '--param', 'limit=ten'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error [compile_error]: pipelines/first.yaml:4:3: params.limit: --param limit=ten: expected a number (the default 10 is a number)\n',
    );
  });
});

describe('run FILE and run --last-compile agree with the help', () => {
  it('run FILE leaves .osiris/last_compile.json to osiris compile; --last-compile runs the compiled one', async () => {
    const dir = project();
    const pointer = join(dir, '.osiris', 'last_compile.json');
    expect((await runOsiris(['compile', 'pipelines/first.yaml'], { cwd: dir })).code).toBe(0);
    const compiled = readFileSync(pointer, 'utf8');
    expect(JSON.parse(compiled).oml_path).toBe(join(dir, 'pipelines', 'first.yaml'));

    const run = await runOsiris(['run', 'pipelines/second.yaml'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(existsSync(join(dir, 'out', 'second.csv'))).toBe(true);
    expect(readFileSync(pointer, 'utf8')).toBe(compiled);

    const last = await runOsiris(['run', '--last-compile'], { cwd: dir });
    expect(last.code).toBe(0);
    expect(existsSync(join(dir, 'out', 'first.csv'))).toBe(true);
  });

  it('run FILE alone creates no pointer, so --last-compile says no compile happened', async () => {
    const dir = project();
    expect((await runOsiris(['run', 'pipelines/second.yaml'], { cwd: dir })).code).toBe(0);
    expect(existsSync(join(dir, '.osiris', 'last_compile.json'))).toBe(false);
    const last = await runOsiris(['run', '--last-compile'], { cwd: dir });
    expect(last.code).toBe(2);
    expect(last.stderr).toContain("run 'osiris compile FILE' first");
  });

  it('the help of run --last-compile says run FILE does not change it', async () => {
    const help = await runOsiris(['run', '--help'], { cwd: project() });
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(
      'run the manifest of the last `osiris compile` in this project (`run FILE` does not change it)',
    );
  });
});

describe('a pipeline path that is not an OML file', () => {
  // Each is a child killed after 20 s: reading /dev/zero whole never ended (memory grew until killed).
  it.each([
    ['validate', '/dev/zero', /pipeline file \/dev\/zero is larger than 16 MB \(expected an OML file\)/],
    ['compile', '/dev/zero', /pipeline file \/dev\/zero is larger than 16 MB/],
    ['run', '/dev/zero', /pipeline file \/dev\/zero is larger than 16 MB/],
    ['validate', 'data', /cannot read pipeline file data: EISDIR/],
    ['compile', 'absent.yaml', /cannot read pipeline file absent.yaml: ENOENT/],
  ])('%s %s: usage error, exit 2, at once', async (command, file, message) => {
    const dir = project();
    const r = await runOsiris([command, file], { cwd: dir, timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe("a writer aimed at the pipeline file or Osiris's own files", () => {
  it.each([
    [
      'pipelines/first.yaml',
      "config.path 'pipelines/first.yaml' is the pipeline file itself; write elsewhere",
    ],
    [
      '.osiris/last_compile.json',
      "lies in Osiris's state directory (.osiris), where Osiris keeps its own files",
    ],
    ['logs/run_1/events.jsonl', 'lies in a session directory in logs/, where Osiris keeps its own files'],
    ['build/first/x.csv', "lies in this pipeline's build directory, where Osiris keeps its own files"],
  ])('%s: config_error naming the step, nothing written', async (output, message) => {
    const dir = project();
    writeFileSync(join(dir, 'pipelines/first.yaml'), pipeline('first', output));
    const before = readFileSync(join(dir, 'pipelines/first.yaml'), 'utf8');
    for (const command of ['compile', 'run']) {
      const r = await runOsiris([command, 'pipelines/first.yaml'], { cwd: dir });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(
        `[config_error]: write: ${message.startsWith('config.path') ? '' : `config.path '${output}' `}${message}`,
      );
    }
    expect(readFileSync(join(dir, 'pipelines/first.yaml'), 'utf8')).toBe(before);
    expect(existsSync(join(dir, 'logs'))).toBe(false);
  });

  it('a file of the user beside them is fine: logs/summary.csv, build/report.csv', async () => {
    for (const output of ['logs/summary.csv', 'build/report.csv']) {
      const dir = project();
      writeFileSync(join(dir, 'pipelines/first.yaml'), pipeline('first', output));
      const r = await runOsiris(['run', 'pipelines/first.yaml'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(join(dir, output), 'utf8')).toBe('id,name\n1,a\n2,b\n');
    }
  });
});
