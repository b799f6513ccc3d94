// The `local` sandbox: a fresh temporary directory and child processes with an allowlisted environment.
// Same contract as E2B, no isolation beyond "nothing of the host's environment leaks in" (docs/remote-transports.md).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { copyFile, mkdtemp, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as hostPath from 'node:path';
import { basename, dirname, join } from 'node:path';
import { OsirisError } from '../../core/errors.js';
import { createOwnLock, releaseSessionLock, writeSessionLock } from '../../session/session-lock.js';
import { SANDBOX_PREFIX, sweepStaleSandboxes } from './sweep-stale-sandboxes.js';
import { resolveInside } from './resolve-inside.js';
import { createStdinQueue } from './stdin-queue.js';
import type { ProcessOutput, Sandbox, SandboxProcess, Transport, UploadFile } from '../transport.js';
import { makeDirectory } from '../../core/make-directory.js';

/** Options of the local transport. */
export interface LocalTransportOptions {
  /** Leave each sandbox directory in place after kill (debugging, secret scans); processes still die. */
  keepAfterKill?: boolean;
  /** Parent of the sandbox directories (default: the OS temp dir). */
  baseDir?: string;
  /** Host variables copied into every process when set (default: PATH, LANG, TZ). */
  inheritEnv?: readonly string[];
  /**
   * Default template: a host directory whose `node_modules` is linked into each sandbox, the local
   * stand-in for an E2B template with the dependencies baked in. A request's `template` overrides it.
   */
  template?: string;
}

const DEFAULT_INHERITED = ['PATH', 'LANG', 'TZ'] as const;
const KILL_WAIT_MS = 5_000;
const CLOSE_GRACE_MS = 1_000;

/** A transport whose sandboxes are temporary directories on this machine. */
export function createLocalTransport(options: LocalTransportOptions = {}): Transport {
  return {
    name: 'local',
    async create(request) {
      const base = options.baseDir ?? tmpdir();
      // directories of hosts that died (kill -9) go now; a live host's are left alone
      sweepStaleSandboxes(base);
      let dir: string;
      try {
        // realpath: macOS temp dirs are symlinks, and children report the resolved cwd.
        dir = await realpath(await mkdtemp(join(base, SANDBOX_PREFIX)));
        // the owner lock: a later sweep removes this directory once this host process is gone
        writeSessionLock(dir, createOwnLock(basename(dir), new Date()));
      } catch (error) {
        throw new OsirisError(
          'io_error',
          `cannot create a sandbox directory under ${base}: ${errorText(error)}`,
          {
            where: 'transport local',
            cause: error,
          },
        );
      }
      const template = request.template ?? options.template;
      if (template) await linkTemplate(template, dir);
      return createLocalSandbox(
        dir,
        request.timeoutMs,
        options.inheritEnv ?? DEFAULT_INHERITED,
        options.keepAfterKill ?? false,
      );
    },
  };
}

/** Link the template's node_modules (when it has one) into the sandbox directory. */
async function linkTemplate(template: string, dir: string): Promise<void> {
  const modules = join(template, 'node_modules');
  try {
    await stat(modules);
  } catch {
    return; // a template without dependencies is valid: the worker's check will report what is missing
  }
  await symlink(modules, join(dir, 'node_modules'), 'dir');
}

function createLocalSandbox(
  dir: string,
  /** Lifetime until keepAlive renews it. */
  timeoutMs: number,
  inherited: readonly string[],
  keep: boolean,
): Sandbox {
  const where = `sandbox ${dir}`;
  const children = new Map<ChildProcess, Promise<unknown>>();
  let killed: Promise<void> | undefined;
  let lifetime: NodeJS.Timeout | undefined;
  // Like a provider sandbox, the directory dies at its timeout unless keepAlive renews it.
  const arm = (timeoutMs: number): void => {
    if (lifetime) clearTimeout(lifetime);
    lifetime = setTimeout(() => void sandbox.kill(), timeoutMs);
    lifetime.unref();
  };
  const assertAlive = (): void => {
    if (killed) throw new OsirisError('worker_lost', 'the sandbox was already killed', { where });
  };

  const sandbox: Sandbox = {
    id: dir,
    workDir: dir,
    async upload(files: UploadFile[]): Promise<void> {
      assertAlive();
      await copyIntoDir(dir, files, where);
    },
    async start(command, env, output) {
      assertAlive();
      return spawnInDir(dir, command, buildEnv(dir, inherited, env), output, where, (child, exited) => {
        children.set(child, exited);
        void exited.then(() => children.delete(child));
      });
    },
    async download(path: string): Promise<AsyncIterable<Uint8Array>> {
      assertAlive();
      const source = resolveInside(hostPath, dir, path, where);
      const info = await stat(source).catch(() => undefined);
      if (!info?.isFile()) throw new OsirisError('io_error', `no file '${path}' in the sandbox`, { where });
      return createReadStream(source);
    },
    async keepAlive(timeoutMs: number): Promise<void> {
      assertAlive();
      arm(timeoutMs);
    },
    kill(): Promise<void> {
      killed ??= (async () => {
        if (lifetime) clearTimeout(lifetime);
        for (const child of children.keys()) killGroup(child);
        await Promise.all([...children.values()].map((closed) => withTimeout(closed, KILL_WAIT_MS)));
        // a kept directory loses its owner lock, so no sweep removes what was kept on purpose
        if (keep) releaseSessionLock(dir);
        else await rm(dir, { recursive: true, force: true });
      })();
      return killed;
    },
  };
  arm(timeoutMs);
  return sandbox;
}

/** Write each file into the sandbox directory; a host file is copied by the kernel, never read whole. */
async function copyIntoDir(dir: string, files: readonly UploadFile[], where: string): Promise<void> {
  for (const file of files) {
    const target = resolveInside(hostPath, dir, file.path, where);
    try {
      makeDirectory(dirname(target));
      // copy_file_range for host files: never in memory
      if ('source' in file) await copyFile(file.source, target);
      else await writeFile(target, file.data);
    } catch (error) {
      throw new OsirisError('io_error', `cannot write ${file.path}: ${errorText(error)}`, {
        where,
        cause: error,
      });
    }
  }
}

/**
 * Spawn `command` in its own process group in `dir`; `track` sees the child at once (a kill while it
 * starts must reach it); resolves once it has started.
 */
async function spawnInDir(
  dir: string,
  command: readonly string[],
  env: Record<string, string>,
  output: ProcessOutput,
  where: string,
  track: (child: ChildProcess, exited: Promise<unknown>) => void,
): Promise<SandboxProcess> {
  const [file, ...args] = command;
  if (!file) throw new OsirisError('internal', 'start needs a command', { where });
  const child = spawn(file, args, {
    cwd: dir,
    env,
    // Own process group, so kill() reaches grandchildren too.
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Wire output before the first tick so no chunk and no 'close' can be missed.
  const proc = wrapChild(child, output);
  track(child, proc.exited);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) =>
      reject(
        new OsirisError('io_error', `cannot start '${file}': ${errorText(error)}`, {
          where,
          cause: error,
        }),
      ),
    );
  });
  return proc;
}

function wrapChild(child: ChildProcess, output: ProcessOutput): SandboxProcess {
  const stdin = child.stdin;
  const stdout = child.stdout;
  const stderr = child.stderr;
  if (!stdin || !stdout || !stderr) throw new OsirisError('internal', 'child process without piped stdio');
  stdout.setEncoding('utf8');
  stderr.setEncoding('utf8');
  stdout.on('data', (chunk: string) => output.onStdout(chunk));
  stderr.on('data', (chunk: string) => output.onStderr(chunk));
  // A worker that died makes writes fail with EPIPE; report that on the write, never as a crash.
  stdin.on('error', () => undefined);
  // Resolve on 'close' so every output chunk has been delivered; but an orphaned grandchild holding the
  // pipes would delay 'close' forever, so after 'exit' wait for it only briefly.
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => resolve(code));
    child.once('exit', (code) => setTimeout(() => resolve(code), CLOSE_GRACE_MS).unref());
    // A failed spawn emits 'error' and may never emit 'close'.
    child.on('error', () => resolve(null));
  });
  const queue = createStdinQueue({
    send: (data) =>
      new Promise<void>((resolve, reject) => {
        if (stdin.destroyed || stdin.writableEnded) return reject(new Error('its stdin is closed'));
        stdin.write(data, (error) => (error ? reject(error) : resolve()));
      }),
    close: async () => {
      if (!stdin.destroyed && !stdin.writableEnded) stdin.end();
    },
    fail: (error) => new OsirisError('worker_lost', `cannot write to the process: ${errorText(error)}`),
  });
  return {
    write: queue.write,
    closeStdin: queue.closeStdin,
    exited,
    async kill() {
      killGroup(child);
      await withTimeout(exited, KILL_WAIT_MS);
    },
  };
}

/** The process environment: the allowlisted host variables, HOME = the sandbox, then exactly `env`. */
function buildEnv(
  dir: string,
  inherited: readonly string[],
  env: Record<string, string>,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of inherited) {
    const value = process.env[name];
    if (value !== undefined) result[name] = value;
  }
  result.HOME = dir;
  result.TMPDIR = dir;
  return { ...result, ...env };
}

function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

async function withTimeout(promise: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
