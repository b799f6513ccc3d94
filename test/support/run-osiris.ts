// Runs the real built CLI (`bin/osiris.mjs` → dist/osiris.mjs, built by `npm test`) as a child process.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { createTempDir } from './temp-dirs.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OSIRIS_BIN = join(REPO_ROOT, 'bin', 'osiris.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawn `osiris ARGS` in cwd with a minimal environment plus `env`. */
export function runOsiris(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<CliResult> {
  if (!existsSync(join(REPO_ROOT, 'dist', 'osiris.mjs')))
    throw new Error('dist/osiris.mjs is missing: run `npm run build` (npm test does)');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [OSIRIS_BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** A temp project directory with these files (paths relative to it). */
export function createProject(files: Record<string, string>, withMarker = true): string {
  const dir = createTempDir('osiris-test-');
  if (withMarker) writeFileSync(join(dir, 'osiris.yaml'), 'version: 1\n');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** The only session directory under logsDir (fails when there is not exactly one). */
export function findOnlySession(logsDir: string): string {
  const runs = readdirSync(logsDir).filter((n) => n.startsWith('run_'));
  if (runs.length !== 1)
    throw new Error(`expected one session in ${logsDir}, found ${runs.join(', ') || 'none'}`);
  return join(logsDir, runs[0] as string);
}

/** Lines of a JSON-lines file. */
export function readLines(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Validators for events.jsonl and metrics.jsonl lines built from the committed schemas. */
export function createLineValidators(): {
  event: (line: unknown) => string[];
  metric: (line: unknown) => string[];
} {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const load = (name: string) =>
    ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', name), 'utf8')) as object);
  const ev = load('events.schema.json');
  const me = load('metrics.schema.json');
  const run = (v: typeof ev) => (line: unknown) =>
    v(line) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  return { event: run(ev), metric: run(me) };
}
