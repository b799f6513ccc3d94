// Fake E2B control plane (REST, the subset the SDK uses for create/kill/timeout/info/list).
// Answers like api.e2b.app: JSON errors `{code, message}` (the SDK maps a kill 404 to `false` by `code`).
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, symlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeSandbox, FakeState } from './fake-state.js';
import { SANDBOX_HOME, destroySandbox } from './fake-state.js';

/**
 * envd version the fake reports; the SDK enables features by it: octet-stream uploads from 0.5.7,
 * closeStdin from 0.5.2, `stdin: false` from 0.3.0, no implicit `user` header from 0.4.0.
 */
export const FAKE_ENVD_VERSION = '0.6.13';
const DEFAULT_TIMEOUT_S = 300;

let counter = 0;

/** Request listener for the control plane. */
export function createControlPlaneHandler(
  state: FakeState,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(state, req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, { code: 500, message: `fake control plane: ${String(error)}` });
      else res.destroy();
    });
  };
}

async function handle(state: FakeState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const method = req.method ?? 'GET';
  if (req.headers['x-api-key'] !== state.apiKey) {
    await readBody(req);
    return sendJson(res, 401, { code: 401, message: 'Invalid API key' });
  }
  if (method === 'POST' && url.pathname === '/v2/sandboxes') return createSandbox(state, req, res);
  if (method === 'GET' && url.pathname === '/v2/sandboxes') return listSandboxes(state, url, res);
  const match = /^\/sandboxes\/([^/]+)(\/timeout)?$/.exec(url.pathname);
  if (!match)
    return sendJson(res, 404, {
      code: 404,
      message: `fake control plane: no route ${method} ${url.pathname}`,
    });
  const id = decodeURIComponent(match[1] as string);
  const sandbox = state.sandboxes.get(id);
  const body = await readBody(req);
  if (!sandbox || !sandbox.alive)
    return sendJson(res, 404, { code: 404, message: `sandbox ${id} not found` });
  if (method === 'DELETE' && !match[2]) {
    await destroySandbox(state, sandbox);
    return sendEmpty(res, 204);
  }
  if (method === 'POST' && match[2]) {
    const timeout = Number((JSON.parse(body || '{}') as { timeout?: unknown }).timeout);
    state.stats.timeoutCalls.push({ sandboxId: id, timeout });
    armLifetime(state, sandbox, timeout);
    return sendEmpty(res, 204);
  }
  if (method === 'GET' && !match[2]) return sendJson(res, 200, describeSandbox(sandbox));
  return sendJson(res, 405, {
    code: 405,
    message: `fake control plane: ${method} not allowed on ${url.pathname}`,
  });
}

async function createSandbox(state: FakeState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const text = await readBody(req);
  state.stats.createAttempts += 1;
  const failure = state.faults.createFailures.find((f) => f.remaining > 0);
  if (failure) {
    failure.remaining -= 1;
    const headers: Record<string, string> =
      failure.retryAfterS === undefined ? {} : { 'Retry-After': String(failure.retryAfterS) };
    return sendJson(
      res,
      failure.status,
      { code: failure.status, message: 'fake: injected create failure' },
      headers,
    );
  }
  const limited = checkCreateLimits(state);
  if (limited) return sendJson(res, 429, { code: 429, message: limited });
  if (state.limits.createDelayMs)
    await new Promise((resolve) => setTimeout(resolve, state.limits.createDelayMs));
  const body = JSON.parse(text || '{}') as Record<string, unknown>;
  if (typeof body.templateID !== 'string') {
    return sendJson(res, 400, { code: 400, message: 'templateID is required' });
  }
  counter += 1;
  const id = `fake${counter}${randomBytes(4).toString('hex')}`;
  const root = await mkdtemp(join(tmpdir(), `fake-e2b-${id}-`));
  await mkdir(join(root, SANDBOX_HOME), { recursive: true });
  const template = state.templates[body.templateID];
  if (template)
    await symlink(join(template, 'node_modules'), join(root, SANDBOX_HOME, 'node_modules'), 'dir');
  const now = new Date();
  const sandbox: FakeSandbox = {
    id,
    templateId: body.templateID,
    root,
    accessToken: `tok-${randomBytes(8).toString('hex')}`,
    metadata: (body.metadata as Record<string, string> | undefined) ?? {},
    startedAt: now,
    endAt: now,
    timer: undefined,
    processes: new Map(),
    alive: true,
  };
  state.sandboxes.set(id, sandbox);
  state.stats.created += 1;
  state.stats.peakAlive = Math.max(state.stats.peakAlive, state.stats.alive());
  state.stats.lastCreateBody = body;
  armLifetime(state, sandbox, typeof body.timeout === 'number' ? body.timeout : DEFAULT_TIMEOUT_S);
  sendJson(res, 201, {
    sandboxID: id,
    templateID: body.templateID,
    clientID: 'fake-client',
    envdVersion: FAKE_ENVD_VERSION,
    envdAccessToken: sandbox.accessToken,
    domain: null,
  });
}

/** The account's limits, as E2B enforces them with a 429: sandboxes alive at once, creates per second. */
function checkCreateLimits(state: FakeState): string | undefined {
  const { maxAlive, createsPerSecond } = state.limits;
  if (maxAlive !== undefined && state.stats.alive() >= maxAlive) {
    state.stats.refusedOverCap += 1;
    return `fake: limit of ${maxAlive} concurrent sandboxes reached`;
  }
  // a rolling window: at most `createsPerSecond` accepted creates in any 1 s
  const now = Date.now();
  state.recentCreates = state.recentCreates.filter((t) => now - t < 1000);
  if (createsPerSecond !== undefined && state.recentCreates.length >= createsPerSecond) {
    state.stats.refusedOverRate += 1;
    return `fake: more than ${createsPerSecond} sandbox creates per second`;
  }
  state.recentCreates.push(now);
  return undefined;
}

// A sandbox dies at its timeout like a real one, so keep-alive renewal is observable.
function armLifetime(state: FakeState, sandbox: FakeSandbox, timeoutS: number): void {
  if (sandbox.timer) clearTimeout(sandbox.timer);
  sandbox.endAt = new Date(Date.now() + timeoutS * 1000);
  sandbox.timer = setTimeout(() => void destroySandbox(state, sandbox), timeoutS * 1000);
  sandbox.timer.unref();
}

function listSandboxes(state: FakeState, url: URL, res: ServerResponse): void {
  // `metadata` is an URL-encoded query string such as `osiris_session=run_1&k=v`.
  const wanted = new URLSearchParams(url.searchParams.get('metadata') ?? '');
  const rows = [...state.sandboxes.values()]
    .filter((s) => s.alive)
    .filter((s) => [...wanted].every(([k, v]) => s.metadata[k] === v))
    .map(describeSandbox);
  sendJson(res, 200, rows);
}

function describeSandbox(s: FakeSandbox): Record<string, unknown> {
  return {
    templateID: s.templateId,
    sandboxID: s.id,
    clientID: 'fake-client',
    startedAt: s.startedAt.toISOString(),
    endAt: s.endAt.toISOString(),
    cpuCount: 2,
    memoryMB: 512,
    diskSizeMB: 1024,
    envdVersion: FAKE_ENVD_VERSION,
    metadata: s.metadata,
    state: 'running',
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}
