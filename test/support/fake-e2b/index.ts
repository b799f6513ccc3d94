// Offline E2B: a fake control plane and a fake envd on loopback, so the REAL `e2b` SDK (non-debug mode)
// and our e2b transport run end to end without network. See docs/remote-transports.md.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import type { DescService } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { createControlPlaneHandler } from './control-plane.js';
import { loadEnvdServices } from './descriptors.js';
import { createFilesHttpHandler } from './envd-files-http.js';
import { createFilesystemService } from './envd-filesystem.js';
import { createProcessService } from './envd-process.js';
import type { FakeE2bStats, FakeLimits, FakeState } from './fake-state.js';
import { createFakeState, createFaultState, destroySandbox } from './fake-state.js';

export type { FakeE2bStats, FakeLimits, ReceivedStart } from './fake-state.js';
export { SANDBOX_HOME } from './fake-state.js';

/** Options of the fake. */
export interface FakeE2bOptions {
  /** API key the control plane accepts (default: a fixed fake key). */
  apiKey?: string;
  /** Keep each sandbox's directory after kill until close() (for scans of what landed on "disk"). */
  keepFilesAfterKill?: boolean;
  /** Templates: templateID → host dir whose node_modules appears in the sandbox home (dependencies baked in). */
  templates?: Record<string, string>;
  /** Account limits enforced with a 429 on create, as E2B does (default: none). */
  limits?: FakeLimits;
}

/** Fault injection switches; each applies to later requests. */
export interface FakeE2bFaults {
  /** The next `times` creates answer `status` (429 gets `Retry-After: retryAfterS`, default 0). */
  failCreate(status: number, times: number, options?: { retryAfterS?: number }): void;
  /** The next `times` process streams (Start) are cut at the socket `ms` after they began. */
  dropStreamAfterMs(ms: number, times?: number): void;
  /** Every stdout/stderr chunk is delivered `ms` late (0 turns it off). */
  delayStdout(ms: number): void;
  /** Output of running processes is discarded (a worker that stops heart-beating). */
  loseOutput(on?: boolean): void;
  /** Status of GET /health for live sandboxes (502 makes the SDK treat a drop as "sandbox gone"). */
  healthStatus(status: number): void;
  /** Disarm everything. */
  reset(): void;
}

/** A running fake E2B. */
export interface FakeE2b {
  /** Control-plane base URL (pass as `apiUrl`). */
  apiUrl: string;
  /** envd base URL shared by all fake sandboxes, routed by `E2b-Sandbox-Id` (pass as `sandboxUrl`). */
  sandboxUrl: string;
  /** The key the control plane accepts. */
  apiKey: string;
  /** What the fake received. */
  stats: FakeE2bStats;
  /** Fault injection. */
  faults: FakeE2bFaults;
  /** Host directory standing for the sandbox's `/` (undefined for an unknown id). */
  rootOf(sandboxId: string): string | undefined;
  /** Kill one sandbox now, as if the provider lost it. */
  kill(sandboxId: string): Promise<void>;
  /** Kill every sandbox, stop both servers, remove every sandbox directory. */
  close(): Promise<void>;
}

/** Start a fake control plane and a fake envd on 127.0.0.1 with free ports. */
export async function startFakeE2b(options: FakeE2bOptions = {}): Promise<FakeE2b> {
  const apiKey = options.apiKey ?? 'e2b_fake_0123456789abcdef';
  const state = createFakeState(
    apiKey,
    options.keepFilesAfterKill ?? false,
    options.templates,
    options.limits,
  );
  const control = createServer(createControlPlaneHandler(state));
  const envd = createServer(createEnvdHandler(state));
  const [controlPort, envdPort] = await Promise.all([listen(control), listen(envd)]);
  return {
    apiUrl: `http://127.0.0.1:${controlPort}`,
    sandboxUrl: `http://127.0.0.1:${envdPort}`,
    apiKey,
    stats: state.stats,
    faults: createFaultsApi(state),
    rootOf: (id) => state.sandboxes.get(id)?.root,
    async kill(id) {
      const sandbox = state.sandboxes.get(id);
      if (sandbox) await destroySandbox(state, sandbox);
    },
    async close() {
      state.keepFilesAfterKill = false;
      for (const sandbox of state.sandboxes.values()) await destroySandbox(state, sandbox);
      await Promise.all(
        [...state.sandboxes.values()].map((s) => rm(s.root, { recursive: true, force: true })),
      );
      await Promise.all([stop(control), stop(envd)]);
    },
  };
}

function createEnvdHandler(state: FakeState): (req: IncomingMessage, res: ServerResponse) => void {
  const services = loadEnvdServices();
  // Handlers are typed against our own request shapes; the descriptors are loaded untyped at runtime.
  const files = createFilesHttpHandler(state);
  const asImpl = (impl: object) => impl as Partial<ServiceImpl<DescService>>;
  const adapter = connectNodeAdapter({
    routes: (router) => {
      router.service(services.process, asImpl(createProcessService(state)));
      router.service(services.filesystem, asImpl(createFilesystemService(state)));
    },
    // The fake serves HTTP/1.1 only, so the request is always an IncomingMessage.
    fallback: (req, res) => files(req as IncomingMessage, res as ServerResponse),
    // A newer SDK may send fields this descriptor set does not know; they must not break parsing.
    jsonOptions: { ignoreUnknownFields: true },
  });
  return (req, res) => {
    state.stats.envdRequests.paths.push(`${req.method} ${new URL(req.url ?? '/', 'http://fake').pathname}`);
    const faults = state.faults;
    if (req.url?.startsWith('/process.Process/Start') && faults.dropStreamAfterMs !== undefined) {
      if (faults.dropStreamRemaining > 0) {
        faults.dropStreamRemaining -= 1;
        // Cut the TCP connection mid-stream: the SDK sees "terminated", like a lost sandbox connection.
        const timer = setTimeout(() => req.socket.destroy(), faults.dropStreamAfterMs);
        res.once('close', () => clearTimeout(timer));
      }
    }
    adapter(req, res);
  };
}

function createFaultsApi(state: FakeState): FakeE2bFaults {
  return {
    failCreate(status, times, opts = {}) {
      const retryAfterS = status === 429 ? (opts.retryAfterS ?? 0) : opts.retryAfterS;
      state.faults.createFailures.push({ status, remaining: times, retryAfterS });
    },
    dropStreamAfterMs(ms, times = 1) {
      state.faults.dropStreamAfterMs = ms;
      state.faults.dropStreamRemaining = times;
    },
    delayStdout(ms) {
      state.faults.stdoutDelayMs = ms;
    },
    loseOutput(on = true) {
      state.faults.loseOutput = on;
    },
    healthStatus(status) {
      state.faults.healthStatus = status;
    },
    reset() {
      state.faults = createFaultState();
    },
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
