// Shared helpers of the remote e2e suites: the three execution targets (in process, local sandbox, E2B
// through the offline fake with the real SDK), the built CLI as a child process, and what the tests
// inspect afterwards (sessions, sandbox directories, worker processes, secret forms).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSecretForms } from '../../src/core/mask.js';
import { startFakeE2b } from '../support/fake-e2b/index.js';
import type { FakeE2b, FakeLimits } from '../support/fake-e2b/index.js';
import { OSIRIS_BIN, REPO_ROOT, createProject, readLines } from '../support/run-osiris.js';
import type { CliResult } from '../support/run-osiris.js';

/** Where `osiris run` executes: in process, a local sandbox, or E2B (the fake). */
export const TARGETS = ['local', 'sandbox-local', 'e2b'] as const;
export type Target = (typeof TARGETS)[number];

/** A fake E2B plus a private TMPDIR for the CLI (the local sandboxes are created under it). */
export interface RemoteEnv {
  /** The fake control plane + envd, templates `osiris` (dependencies baked in) and `bare` (none). */
  fake: FakeE2b;
  /** TMPDIR of every CLI child: local sandbox directories appear here. */
  tmp: string;
  /** A template directory without node_modules. */
  bareTemplate: string;
  /** A temp project (osiris.yaml + files), removed by close(). */
  project(files: Record<string, string>): string;
  /** Stop the fake; remove the temp dir and every project. */
  close(): Promise<void>;
}

/** Start the fake E2B and a private temp dir. */
export async function startRemoteEnv(
  options: { keepFilesAfterKill?: boolean; limits?: FakeLimits } = {},
): Promise<RemoteEnv> {
  const tmp = mkdtempSync(join(tmpdir(), 'osiris-remote-e2e-'));
  const bareTemplate = join(tmp, 'bare-template');
  mkdirSync(bareTemplate);
  const fake = await startFakeE2b({
    templates: { osiris: REPO_ROOT, bare: bareTemplate },
    keepFilesAfterKill: options.keepFilesAfterKill ?? false,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const projects: string[] = [];
  return {
    fake,
    tmp,
    bareTemplate,
    project(files) {
      const dir = createProject(files);
      projects.push(dir);
      return dir;
    },
    async close() {
      await fake.close();
      for (const dir of [tmp, ...projects]) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** CLI flags of a target. */
export function targetArgs(target: Target, template = 'osiris'): string[] {
  if (target === 'sandbox-local') return ['--sandbox', 'local'];
  if (target === 'e2b') return ['--e2b', '--e2b-template', template];
  return [];
}

/** Environment of a CLI child for a target (the fake's URLs and key for e2b). */
export function targetEnv(target: Target, env: RemoteEnv): Record<string, string> {
  const base = { TMPDIR: env.tmp };
  if (target !== 'e2b') return base;
  return {
    ...base,
    E2B_API_KEY: env.fake.apiKey,
    E2B_API_URL: env.fake.apiUrl,
    E2B_SANDBOX_URL: env.fake.sandboxUrl,
  };
}

/** A running CLI child. */
export interface RunningCli {
  /** The child process. */
  child: ChildProcess;
  /** Resolves when it exits. */
  done: Promise<CliResult>;
}

/** Spawn the built CLI with a minimal environment plus `env` (PATH, HOME, NO_COLOR). */
export function spawnOsiris(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): RunningCli {
  const child = spawn(process.execPath, [OSIRIS_BIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done };
}

/** Run `osiris run FILE` on a target, sessions under `<project>/logs`. */
export function runOnTarget(
  target: Target,
  env: RemoteEnv,
  project: string,
  file: string,
  extra: string[] = [],
  extraEnv: Record<string, string> = {},
): RunningCli {
  return spawnOsiris(['run', file, '--logs-dir', 'logs', ...targetArgs(target), ...extra], {
    cwd: project,
    env: { ...targetEnv(target, env), ...extraEnv },
  });
}

/** The newest session directory under `<project>/logs` (undefined before the first). */
export function findLatestSession(project: string): string | undefined {
  const logs = join(project, 'logs');
  if (!existsSync(logs)) return undefined;
  const runs = readdirSync(logs)
    .filter((n) => n.startsWith('run_'))
    .sort();
  return runs.length ? join(logs, runs.at(-1) as string) : undefined;
}

/** Events of a session so far (a line still being written is skipped). */
export function readEventsSoFar(session: string): Array<Record<string, unknown>> {
  const path = join(session, 'events.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** Poll until an event matching `test` is in the project's latest session; returns it and the session. */
export async function waitForEvent(
  project: string,
  test: (e: Record<string, unknown>) => boolean,
  timeoutMs = 30_000,
): Promise<{ session: string; event: Record<string, unknown> }> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const session = findLatestSession(project);
    const hit = session ? readEventsSoFar(session).find(test) : undefined;
    if (session && hit) return { session, event: hit };
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no matching event within ${timeoutMs} ms`);
}

/** status.json of a session. */
export function readStatus(session: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(session, 'status.json'), 'utf8')) as Record<string, unknown>;
}

/** status.json without what may differ between targets: adapter, transport, session id, times. */
export function normalizeStatus(status: Record<string, unknown>): Record<string, unknown> {
  const {
    adapter: _a,
    transport: _t,
    session_id: _s,
    started_at: _b,
    finished_at: _f,
    duration_ms: _d,
    ...rest
  } = status;
  return rest;
}

/** Local sandbox directories left under the env's TMPDIR. */
export function listSandboxDirs(env: RemoteEnv): string[] {
  return readdirSync(env.tmp).filter((n) => n.startsWith('osiris-sandbox-'));
}

/** Pids of sandbox worker processes whose cwd is under `prefix` (Linux /proc). */
export function findWorkerPids(prefix: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (!cmdline.includes('worker/worker-main.mjs') || cmdline.includes('--archive')) continue;
      if (readlinkSync(`/proc/${name}/cwd`).startsWith(prefix)) pids.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Where a session's sandbox lives on this machine: the local sandbox dir, or the fake's root for it. */
export function findSandboxRoot(target: Target, env: RemoteEnv, session: string): string | undefined {
  const created = readEventsSoFar(session).find((e) => e.event === 'remote.sandbox_created');
  const id = created?.sandbox_id;
  if (typeof id !== 'string') return undefined;
  return target === 'e2b' ? env.fake.rootOf(id) : id;
}

/** Every file under `dir` (symlinks are not followed: node_modules of a template is not the sandbox's). */
export function listFilesDeep(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const info = lstatSync(path);
    if (info.isSymbolicLink()) return [];
    return info.isDirectory() ? listFilesDeep(path) : [path];
  });
}

/** Every form of every secret (raw, URL-encoded, JSON-escaped, base64). */
export function listAllForms(secrets: readonly string[]): string[] {
  return [...new Set(secrets.flatMap((s) => listSecretForms(s)))];
}

/** Which forms occur in `bytes` (as `<where>: <form>`). */
export function findForms(where: string, bytes: Buffer | string, forms: readonly string[]): string[] {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  return forms.filter((f) => buffer.includes(f)).map((f) => `${where}: ${f}`);
}

/** Lines of a session's events.jsonl / metrics.jsonl. */
export const readSessionLines = (session: string, file: 'events.jsonl' | 'metrics.jsonl') =>
  readLines(join(session, file));

/** `osiris logs compare A B --json` (exit 0 equal, 1 different); the verdict, exit code and output. */
export async function runLogsCompare(
  a: string,
  b: string,
): Promise<{ equal: boolean; code: number | null; output: string }> {
  const cli = await spawnOsiris(['logs', 'compare', a, b, '--json'], { cwd: '/' }).done;
  const output = `${cli.stdout}${cli.stderr}`.slice(0, 4000);
  if (cli.code !== 0 && cli.code !== 1) throw new Error(`osiris logs compare exited ${cli.code}: ${output}`);
  const parsed = JSON.parse(cli.stdout) as { equal: boolean; eventCounts: unknown };
  return { equal: parsed.equal, code: cli.code, output };
}
