// Fake envd plain-HTTP routes: GET /health, GET /files (download), POST /files (multipart or octet-stream
// upload, optionally gzip). Serves as the fallback of the Connect adapter.
import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, posix } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { FakeSandbox, FakeState } from './fake-state.js';
import { findSandbox, resolveSandboxPath, toHostPath } from './fake-state.js';

interface WrittenEntry {
  path: string;
  name: string;
  type: 'file';
}

/** Request listener for /health and /files. */
export function createFilesHttpHandler(
  state: FakeState,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(state, req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { code: 500, message: `fake envd: ${String(error)}` });
      else res.destroy();
    });
  };
}

async function handle(state: FakeState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const sandboxId = req.headers['e2b-sandbox-id'];
  const sandbox = findSandbox(state, typeof sandboxId === 'string' ? sandboxId : undefined);
  if (url.pathname === '/health' && req.method === 'GET') {
    // 502 is what E2B's edge answers for a sandbox that is gone; the SDK's stream-drop probe relies on it.
    const status = sandbox ? state.faults.healthStatus : 502;
    res.writeHead(status);
    return void res.end();
  }
  if (url.pathname !== '/files') {
    return sendJson(res, 404, { code: 404, message: `fake envd: no route ${req.method} ${url.pathname}` });
  }
  if (!sandbox) return sendJson(res, 502, { code: 502, message: 'The sandbox was not found' });
  const token = req.headers['x-access-token'];
  if (token !== sandbox.accessToken && !url.searchParams.get('signature')) {
    return sendJson(res, 401, { code: 401, message: 'invalid access token' });
  }
  const path = url.searchParams.get('path');
  if (req.method === 'GET') return sendFile(sandbox, path, res);
  if (req.method !== 'POST')
    return sendJson(res, 405, { code: 405, message: `${req.method} not allowed on /files` });
  const contentType = req.headers['content-type'] ?? '';
  const written = contentType.startsWith('multipart/form-data')
    ? await receiveMultipart(state, sandbox, req, contentType, path)
    : await receiveOctetStream(state, sandbox, req, path);
  if (!written) return sendJson(res, 400, { code: 400, message: "the 'path' query parameter is required" });
  sendJson(res, 200, written);
}

async function sendFile(sandbox: FakeSandbox, path: string | null, res: ServerResponse): Promise<void> {
  if (!path) return sendJson(res, 400, { code: 400, message: "the 'path' query parameter is required" });
  const abs = resolveSandboxPath(path);
  const host = toHostPath(sandbox, abs);
  const info = await stat(host).catch(() => undefined);
  if (!info) return sendJson(res, 404, { code: 404, message: `path '${abs}' does not exist` });
  if (!info.isFile()) return sendJson(res, 400, { code: 400, message: `path '${abs}' is not a file` });
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': info.size });
  await pipeline(createReadStream(host), res);
}

async function receiveOctetStream(
  state: FakeState,
  sandbox: FakeSandbox,
  req: IncomingMessage,
  path: string | null,
): Promise<WrittenEntry[] | undefined> {
  if (!path) {
    req.resume();
    return undefined;
  }
  const abs = resolveSandboxPath(path);
  const host = toHostPath(sandbox, abs);
  await mkdir(dirname(host), { recursive: true });
  const chunks: Buffer[] = [];
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback(null, chunk);
    },
  });
  const gzip = req.headers['content-encoding'] === 'gzip';
  await (gzip
    ? pipeline(req, createGunzip(), tap, createWriteStream(host))
    : pipeline(req, tap, createWriteStream(host)));
  state.stats.envdRequests.uploads.push({ sandboxId: sandbox.id, path: abs, bytes: Buffer.concat(chunks) });
  return [describeWritten(abs)];
}

async function receiveMultipart(
  state: FakeState,
  sandbox: FakeSandbox,
  req: IncomingMessage,
  contentType: string,
  path: string | null,
): Promise<WrittenEntry[] | undefined> {
  // undici's multipart parser (buffers the body: the SDK only sends small, non-stream writes as multipart).
  const request = new Request('http://fake/files', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: Readable.toWeb(req) as ReadableStream<Uint8Array>,
    duplex: 'half',
  } as RequestInit);
  const form = await request.formData();
  const parts = form.getAll('file').filter((p): p is Exclude<typeof p, string> => typeof p !== 'string');
  const written: WrittenEntry[] = [];
  for (const part of parts) {
    // Single writes carry the path in the query; multi-entry writes name each part by its full path.
    const target = parts.length === 1 && path ? path : part.name;
    if (!target) return undefined;
    const abs = resolveSandboxPath(target);
    const host = toHostPath(sandbox, abs);
    const bytes = Buffer.from(await part.arrayBuffer());
    await mkdir(dirname(host), { recursive: true });
    await writeFile(host, bytes);
    state.stats.envdRequests.uploads.push({ sandboxId: sandbox.id, path: abs, bytes });
    written.push(describeWritten(abs));
  }
  return written;
}

function describeWritten(abs: string): WrittenEntry {
  return { path: abs, name: posix.basename(abs), type: 'file' };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
