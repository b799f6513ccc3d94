// The `e2b` sandbox through the official SDK (the only file importing `e2b`). SDK facts it relies on:
// - a command's timeoutMs (default 60 s) kills it, background ones included, and its stdin is /dev/null
//   unless `stdin: true`: the worker starts with timeoutMs 0 and stdin true;
// - each sendStdin is its own request and concurrent ones can overtake each other: stdin goes through
//   the ordered StdinQueue;
// - a non-stream upload is buffered whole and bound by the 60 s request timeout, a ReadableStream one is
//   neither; a stream download is bound only by its handshake and an idle timeout;
// - failures are told apart by error class (TimeoutError, SandboxNotFoundError, RateLimitError, ...);
//   AuthenticationError and ServiceBusyError do not extend SandboxError.
import {
  AuthenticationError,
  CommandExitError,
  InvalidArgumentError,
  NotEnoughSpaceError,
  NotFoundError,
  RateLimitError,
  Sandbox as E2bSandbox,
  SandboxError,
  SandboxNotFoundError,
  ServiceBusyError,
  TemplateError,
  TimeoutError,
} from 'e2b';
import type { CommandHandle } from 'e2b';
import { posix } from 'node:path';
import { OsirisError } from '../../core/errors.js';
import type { ErrorCode } from '../../core/errors.js';
import type { RetryPolicy } from '../../core/run-with-retry.js';
import { runWithRetry } from '../../core/run-with-retry.js';
import type {
  ProcessOutput,
  Sandbox,
  SandboxProcess,
  SandboxRequest,
  Transport,
  UploadFile,
} from '../transport.js';
import { resolveInside } from './resolve-inside.js';
import { iterateStream, sizeOf, toBlob, toReadableStream } from './e2b-streams.js';
import { createStdinQueue } from './stdin-queue.js';
import { createRateGate } from './create-rate-gate.js';

/** Options of the E2B transport; unset ones fall back to the SDK's E2B_* environment variables. */
export interface E2bTransportOptions {
  /** API key (default: E2B_API_KEY). Never appears in an error message. */
  apiKey?: string;
  /** Control-plane URL (default: https://api.<domain>); the offline tests point it at the fake. */
  apiUrl?: string;
  /** envd URL override (default: per-sandbox host); the offline tests point it at the fake envd. */
  sandboxUrl?: string;
  /** E2B domain (default: e2b.app). */
  domain?: string;
  /** Bound of each control-plane request and of each stream handshake (SDK default 60 s). */
  requestTimeoutMs?: number;
  /** Absolute work directory inside the sandbox (default /home/user/osiris). */
  workDir?: string;
  /** Retries of a create the service refused for now (5xx, busy, rate limit left by the SDK). */
  createRetry?: RetryPolicy;
  /** Sandbox creates per second this transport starts at most (E2B Hobby allows 1, Pro 5; default 1). */
  createsPerSecond?: number;
}

/** 3 attempts, 1 s then 2 s (with jitter): a 5xx of the control plane is usually gone by then. */
export const DEFAULT_CREATE_RETRY: RetryPolicy = { attempts: 3, initialDelayMs: 1000, maxDelayMs: 8000 };

/** A create refusal another attempt may cure: the service busy or failing, not the request wrong. */
function isTransientCreateFailure(error: unknown): boolean {
  if (error instanceof ServiceBusyError || error instanceof RateLimitError) return true;
  return error instanceof SandboxError && error.statusCode !== undefined && error.statusCode >= 500;
}

const DEFAULT_WORK_DIR = '/home/user/osiris';
// Above this size a file goes up as its own octet-stream (no multipart copy, no 60 s request bound).
const STREAM_THRESHOLD = 1 << 20;
const KILL_WAIT_MS = 5_000;

/** A transport whose sandboxes are E2B microVMs. */
export function createE2bTransport(options: E2bTransportOptions = {}): Transport {
  const secret = options.apiKey ?? process.env.E2B_API_KEY;
  // Undefined fields fall back to the SDK's defaults and E2B_* variables.
  const { apiKey, apiUrl, sandboxUrl, domain, requestTimeoutMs } = options;
  const connection = { apiKey, apiUrl, sandboxUrl, domain, requestTimeoutMs };
  const workDir = options.workDir ?? DEFAULT_WORK_DIR;
  const waitForCreateSlot = createRateGate(options.createsPerSecond ?? 1);
  const fail: Fail = (error, action, where, code, forced) =>
    toOsirisError(error, action, where, code, secret, forced);
  return {
    name: 'e2b',
    async create(request: SandboxRequest): Promise<Sandbox> {
      const sbx = await createSdkSandbox(
        connection,
        request,
        options.createRetry ?? DEFAULT_CREATE_RETRY,
        fail,
        waitForCreateSlot,
      );
      const sandbox = wrapSandbox(sbx, workDir, fail);
      try {
        await sbx.files.makeDir(workDir);
      } catch (error) {
        await sandbox.kill().catch(() => undefined);
        throw fail(error, `creating ${workDir}`, `e2b sandbox ${sbx.sandboxId}`, 'connection_error');
      }
      return sandbox;
    },
  };
}

/** The SDK's create, retried while the service refuses it for now; failures mapped by `fail`. */
async function createSdkSandbox(
  connection: Pick<E2bTransportOptions, 'apiKey' | 'apiUrl' | 'sandboxUrl' | 'domain' | 'requestTimeoutMs'>,
  request: SandboxRequest,
  policy: RetryPolicy,
  fail: Fail,
  /** Every attempt, retries too, waits for its slot of the create rate. */
  waitForSlot: () => Promise<void>,
): Promise<E2bSandbox> {
  let attempts = 0;
  try {
    return await runWithRetry(
      async (attempt) => {
        attempts = attempt;
        await waitForSlot();
        return E2bSandbox.create({
          ...connection,
          ...(request.template !== undefined && { template: request.template }),
          timeoutMs: request.timeoutMs,
          // E2B sizes CPU and memory per template, not per sandbox; record what was asked for.
          metadata: {
            ...request.metadata,
            osiris_cpu: String(request.cpu),
            osiris_memory_mb: String(request.memoryMb),
          },
        });
      },
      { policy, isTransient: isTransientCreateFailure },
    );
  } catch (error) {
    const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
    throw fail(error, `creating the sandbox${tries}`, 'transport e2b', 'connection_error');
  }
}

/** Map an SDK error to an OsirisError with `code` as fallback (or always, when `forced`). */
type Fail = (error: unknown, action: string, where: string, code: ErrorCode, forced?: boolean) => OsirisError;

function wrapSandbox(sbx: E2bSandbox, workDir: string, fail: Fail): Sandbox {
  const where = `e2b sandbox ${sbx.sandboxId}`;
  let killed = false;
  let killing: Promise<void> | undefined;
  const assertAlive = (): void => {
    if (killed) throw new OsirisError('worker_lost', 'the sandbox was already killed', { where });
  };
  const resolve = (path: string): string => resolveInside(posix, workDir, path, where);
  return {
    id: sbx.sandboxId,
    workDir,
    async upload(files: UploadFile[]): Promise<void> {
      assertAlive();
      try {
        await uploadFiles(sbx, files, resolve);
      } catch (error) {
        throw fail(error, `uploading ${files.map((f) => f.path).join(', ')}`, where, 'io_error');
      }
    },
    async start(
      command: string[],
      env: Record<string, string>,
      output: ProcessOutput,
    ): Promise<SandboxProcess> {
      assertAlive();
      if (command.length === 0) throw new OsirisError('internal', 'start needs a command', { where });
      let handle: CommandHandle;
      try {
        handle = await startCommand(sbx, workDir, command, env, output);
      } catch (error) {
        throw fail(error, `starting ${command[0]}`, where, 'worker_lost');
      }
      // Any stdin failure means the worker can no longer be driven (gone, exited, stream lost).
      return wrapCommand(handle, (error, action) => fail(error, action, where, 'worker_lost', true));
    },
    async download(path: string): Promise<AsyncIterable<Uint8Array>> {
      assertAlive();
      try {
        const stream = await sbx.files.read(resolve(path), { format: 'stream' });
        return iterateStream(stream, (error) => fail(error, `downloading ${path}`, where, 'io_error'));
      } catch (error) {
        throw fail(error, `downloading ${path}`, where, 'io_error');
      }
    },
    async keepAlive(timeoutMs: number): Promise<void> {
      assertAlive();
      try {
        await sbx.setTimeout(timeoutMs);
      } catch (error) {
        throw fail(error, 'renewing the sandbox timeout', where, 'worker_lost');
      }
    },
    kill(): Promise<void> {
      if (killed) return Promise.resolve();
      killing ??= (async () => {
        try {
          await sbx.kill(); // false when already gone: fine
          killed = true;
        } catch (error) {
          if (error instanceof NotFoundError) killed = true;
          else throw fail(error, 'killing the sandbox', where, 'connection_error');
        } finally {
          killing = undefined;
        }
      })();
      return killing;
    },
  };
}

/** Small files in one multipart request (each E2B round trip costs ~0.2-0.6 s), large ones streamed. */
async function uploadFiles(
  sbx: E2bSandbox,
  files: readonly UploadFile[],
  resolve: (path: string) => string,
): Promise<void> {
  const sized = await Promise.all(files.map(async (f) => ({ file: f, size: await sizeOf(f) })));
  const small = sized.filter((f) => f.size < STREAM_THRESHOLD);
  const large = sized.filter((f) => f.size >= STREAM_THRESHOLD);
  if (small.length > 0) {
    const entries = await Promise.all(
      small.map(async ({ file }) => ({ path: resolve(file.path), data: await toBlob(file) })),
    );
    await sbx.files.write(entries);
  }
  // Large ones go up one by one as streams: never whole in memory, not bound by the request timeout.
  for (const { file } of large) await sbx.files.write(resolve(file.path), toReadableStream(file));
}

/** Start a background command with stdin open; output is released as it is delivered. */
async function startCommand(
  sbx: E2bSandbox,
  workDir: string,
  command: readonly string[],
  env: Record<string, string>,
  output: ProcessOutput,
): Promise<CommandHandle> {
  // output may arrive before run() resolves: the handle is read when a chunk comes, not captured
  const started: { handle?: CommandHandle } = {};
  const release = (): void => releaseDeliveredOutput(started.handle);
  started.handle = await sbx.commands.run(`exec ${command.map(quoteShell).join(' ')}`, {
    background: true,
    // Without these envd gives the worker /dev/null as stdin and kills it after the default 60 s.
    stdin: true,
    timeoutMs: 0,
    cwd: workDir,
    envs: env,
    onStdout: (chunk) => {
      output.onStdout(chunk);
      release();
    },
    onStderr: (chunk) => {
      output.onStderr(chunk);
      release();
    },
  });
  return started.handle;
}

function wrapCommand(
  handle: CommandHandle,
  fail: (error: unknown, action: string) => OsirisError,
): SandboxProcess {
  // envd exit code -1 means "killed by a signal"; a dropped stream rejects wait(): both are null.
  const exited = handle.wait().then(
    (result) => result.exitCode,
    (error: unknown) => (error instanceof CommandExitError && error.exitCode >= 0 ? error.exitCode : null),
  );
  const stdin = createStdinQueue({
    send: (data) => handle.sendStdin(data),
    close: () => handle.closeStdin(),
    fail: (error) => fail(error, 'writing to the process stdin'),
  });
  return {
    write: stdin.write,
    closeStdin: stdin.closeStdin,
    exited,
    async kill() {
      await handle.kill().catch(() => false);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, KILL_WAIT_MS)))]);
      clearTimeout(timer);
    },
  };
}

// CommandHandle keeps every byte of output in memory for its `stdout`/`stderr` getters. A worker streams
// far more than we want to hold, and we consume output through the callbacks only, so drop what was
// delivered. Guarded: an SDK without these private fields is left untouched.
function releaseDeliveredOutput(handle: CommandHandle | undefined): void {
  const internals = handle as unknown as { _stdout?: unknown; _stderr?: unknown } | undefined;
  if (typeof internals?._stdout === 'string') internals._stdout = '';
  if (typeof internals?._stderr === 'string') internals._stderr = '';
}

function toOsirisError(
  error: unknown,
  action: string,
  where: string,
  fallback: ErrorCode,
  secret: string | undefined,
  forced = false,
): OsirisError {
  if (error instanceof OsirisError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  const message = secret ? raw.split(secret).join('***') : raw;
  return new OsirisError(forced ? fallback : classify(error, fallback), `${action} failed: ${message}`, {
    where,
    ...(message === raw && { cause: error }),
  });
}

function classify(error: unknown, fallback: ErrorCode): ErrorCode {
  if (error instanceof AuthenticationError || error instanceof TemplateError) return 'config_error';
  if (error instanceof InvalidArgumentError) return 'config_error';
  if (error instanceof TimeoutError) return 'timeout';
  if (error instanceof SandboxNotFoundError) return 'worker_lost';
  if (error instanceof NotFoundError || error instanceof NotEnoughSpaceError) return 'io_error';
  if (error instanceof RateLimitError || error instanceof ServiceBusyError) return 'connection_error';
  if (error instanceof SandboxError && error.statusCode !== undefined) {
    // 4xx other than 401/429 (mapped above): the request itself was wrong, e.g. an unknown template.
    return error.statusCode >= 400 && error.statusCode < 500 ? 'config_error' : 'connection_error';
  }
  if (error instanceof Error && /terminated|ECONNRESET|socket/i.test(error.message)) return 'worker_lost';
  return fallback;
}

function quoteShell(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
