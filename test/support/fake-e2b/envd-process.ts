// Fake envd `process.Process`: Start (server stream), SendInput, CloseStdin, SendSignal, List.
// Semantics follow real envd's server side: stdin is a pipe unless `stdin === false`, Connect-Timeout-Ms
// kills the process, output is discarded while no client is attached, unknown or exited pid → NotFound.
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError } from '@connectrpc/connect';
import type { HandlerContext } from '@connectrpc/connect';
import type { FakeProcess, FakeSandbox, FakeState } from './fake-state.js';
import { SANDBOX_HOME, findSandbox, killProcessGroup, toHostPath } from './fake-state.js';

interface ProcessConfig {
  cmd: string;
  args: string[];
  envs: Record<string, string>;
  cwd?: string;
}
interface StartRequest {
  process?: ProcessConfig;
  tag?: string;
  stdin?: boolean;
}
interface ProcessSelector {
  selector: { case: 'pid'; value: number } | { case: 'tag'; value: string } | { case: undefined };
}
interface SendInputRequest {
  process?: ProcessSelector;
  input?: { input: { case: 'stdin' | 'pty'; value: Uint8Array } | { case: undefined } };
}
interface SignalRequest {
  process?: ProcessSelector;
  signal: number;
}
type ProcessEvent =
  | { case: 'start'; value: { pid: number } }
  | { case: 'data'; value: { output: { case: 'stdout' | 'stderr'; value: Uint8Array } } }
  | { case: 'end'; value: { exitCode: number; exited: boolean; status: string; error?: string } };

const HIGH_WATER_EVENTS = 64;
const SIGNALS: Record<number, NodeJS.Signals> = { 9: 'SIGKILL', 15: 'SIGTERM' };

/** Look up the sandbox of an RPC and check its access token, as envd does. */
export function requireRpcSandbox(state: FakeState, ctx: HandlerContext): FakeSandbox {
  const sandbox = findSandbox(state, ctx.requestHeader.get('e2b-sandbox-id'));
  // A dead sandbox answers 502 at E2B's edge, which Connect clients surface as Unavailable.
  if (!sandbox) throw new ConnectError('The sandbox was not found', Code.Unavailable);
  if (ctx.requestHeader.get('x-access-token') !== sandbox.accessToken) {
    throw new ConnectError('invalid access token', Code.Unauthenticated);
  }
  return sandbox;
}

/** Implementation of `process.Process` over the fake's state. */
export function createProcessService(state: FakeState) {
  return {
    start: (req: StartRequest, ctx: HandlerContext) => startProcess(state, req, ctx),
    async sendInput(req: SendInputRequest, ctx: HandlerContext) {
      const proc = requireProcess(requireRpcSandbox(state, ctx), req.process);
      const input = req.input?.input;
      if (input?.case !== 'stdin')
        throw new ConnectError('only stdin input is supported', Code.InvalidArgument);
      const stdin = proc.child.stdin;
      if (!proc.stdin || !stdin || stdin.writableEnded) {
        throw new ConnectError('error writing to stdin: stdin not enabled or closed', Code.Internal);
      }
      state.stats.envdRequests.stdin.push(Buffer.from(input.value));
      await new Promise<void>((resolve, reject) => {
        stdin.write(input.value, (error) =>
          error
            ? reject(new ConnectError(`error writing to stdin: ${error.message}`, Code.Internal))
            : resolve(),
        );
      });
      return {};
    },
    closeStdin(req: { process?: ProcessSelector }, ctx: HandlerContext) {
      requireProcess(requireRpcSandbox(state, ctx), req.process).child.stdin?.end();
      return {};
    },
    sendSignal(req: SignalRequest, ctx: HandlerContext) {
      const proc = requireProcess(requireRpcSandbox(state, ctx), req.process);
      killProcessGroup(proc, SIGNALS[req.signal] ?? 'SIGKILL');
      return {};
    },
    list(_req: unknown, ctx: HandlerContext) {
      const sandbox = requireRpcSandbox(state, ctx);
      const processes = [...sandbox.processes.values()]
        .filter((p) => !p.ended)
        .map((p) => ({
          pid: p.pid,
          config: { cmd: p.child.spawnfile, args: p.child.spawnargs.slice(1), envs: {} },
        }));
      return { processes };
    },
  };
}

function requireProcess(sandbox: FakeSandbox, selector: ProcessSelector | undefined): FakeProcess {
  const sel = selector?.selector;
  const proc = sel?.case === 'pid' ? sandbox.processes.get(sel.value) : undefined;
  if (!proc || proc.ended) {
    const what = sel?.case === 'pid' ? `pid ${sel.value}` : `selector ${sel?.case ?? 'none'}`;
    throw new ConnectError(`process with ${what} not found`, Code.NotFound);
  }
  return proc;
}

async function* startProcess(state: FakeState, req: StartRequest, ctx: HandlerContext) {
  const sandbox = requireRpcSandbox(state, ctx);
  const config = req.process;
  if (!config) throw new ConnectError('process config is required', Code.InvalidArgument);
  const cwd = config.cwd ?? SANDBOX_HOME;
  const timeoutMs = ctx.timeoutMs();
  state.stats.envdRequests.starts.push({
    sandboxId: sandbox.id,
    cmd: config.cmd,
    args: [...config.args],
    envs: { ...config.envs },
    cwd: config.cwd,
    stdin: req.stdin,
    timeoutMs,
  });
  const hostCwd = toHostPath(sandbox, cwd);
  if (!(await stat(hostCwd).catch(() => undefined))?.isDirectory()) {
    throw new ConnectError(`cwd '${cwd}' does not exist`, Code.InvalidArgument);
  }
  const withStdin = req.stdin !== false;
  const child = spawn(config.cmd, config.args, {
    cwd: hostCwd,
    // The sandbox's own environment, never the host's (canary tests scan what a process can see).
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: toHostPath(sandbox, SANDBOX_HOME),
      USER: 'user',
      ...config.envs,
    },
    detached: true,
    stdio: [withStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  child.stdin?.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (e) =>
      reject(new ConnectError(`failed to start process: ${e.message}`, Code.Internal)),
    );
  });
  const pid = child.pid as number;
  const proc: FakeProcess = { pid, child, stdin: withStdin, ended: false };
  sandbox.processes.set(pid, proc);

  const events: ProcessEvent[] = [];
  let attached = true;
  let wake: (() => void) | undefined;
  const push = (event: ProcessEvent): void => {
    if (!attached) return; // envd drops output while no client stream is attached
    events.push(event);
    if (events.length > HIGH_WATER_EVENTS) {
      child.stdout?.pause();
      child.stderr?.pause();
    }
    wake?.();
  };
  const onOutput = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    if (!state.faults.loseOutput) push({ case: 'data', value: { output: { case: stream, value: chunk } } });
  };
  child.stdout?.on('data', onOutput('stdout'));
  child.stderr?.on('data', onOutput('stderr'));
  const deadline =
    timeoutMs === undefined ? undefined : setTimeout(() => killProcessGroup(proc, 'SIGKILL'), timeoutMs);
  child.once('close', (code, signal) => {
    proc.ended = true;
    sandbox.processes.delete(pid);
    if (deadline) clearTimeout(deadline);
    const status = signal
      ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal.toLowerCase()}`
      : `exit status ${code}`;
    const ok = code === 0;
    push({
      case: 'end',
      value: { exitCode: code ?? -1, exited: !signal, status, ...(ok ? {} : { error: status }) },
    });
  });
  const detach = (): void => {
    attached = false;
    events.length = 0;
    child.stdout?.resume();
    child.stderr?.resume();
    wake?.();
  };
  ctx.signal.addEventListener('abort', detach, { once: true });

  try {
    yield { event: { event: { case: 'start', value: { pid } } as ProcessEvent } };
    for (;;) {
      const next = events.shift();
      if (next) {
        if (events.length < HIGH_WATER_EVENTS / 2) {
          child.stdout?.resume();
          child.stderr?.resume();
        }
        if (next.case === 'data' && state.faults.stdoutDelayMs > 0) await sleep(state.faults.stdoutDelayMs);
        yield { event: { event: next } };
        if (next.case === 'end') return;
        continue;
      }
      if (!attached) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    detach();
  }
}
