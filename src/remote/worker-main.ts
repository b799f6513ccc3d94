// Entry of the sandbox worker (bundled by esbuild into dist/worker/): JSON lines on stdin/stdout,
// logs on stderr, a heartbeat every second. Heavy modules (drivers, DuckDB) are loaded only after
// the dependency check, so a missing package fails with an actionable message instead of a crash.
import { readFileSync } from 'node:fs';
import { parseManifest } from '../compiler/index.js';
import { describeError } from '../core/index.js';
import { HEARTBEAT_INTERVAL_MS, PROTOCOL_VERSION, createLineSplitter } from './protocol.js';
import type { Request, Response } from './protocol.js';
import { createWorkerSession } from './worker-session.js';

const root = process.cwd();
const bundled = new Set(JSON.parse(readFileSync(new URL('./bundled.json', import.meta.url), 'utf8')) as string[]);
const send = (line: unknown): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};
const controller = new AbortController();
const session = createWorkerSession({
  root,
  bundled,
  parseManifest,
  notify: send,
  loadDrivers: async () => (await import('./worker-driver-table.js')).createWorkerDriverTable(),
  createDataPlane: async (o) => (await import('../runtime/duckdb-data-plane.js')).createDuckDbDataPlane(o),
});

let seq = 0;
const heartbeat = setInterval(() => send({ type: 'heartbeat', seq: seq++ }), HEARTBEAT_INTERVAL_MS);

async function handle(req: Request): Promise<unknown> {
  switch (req.cmd) {
    case 'ping':
      if (req.protocol !== PROTOCOL_VERSION) throw new Error(`protocol ${req.protocol} not supported (worker speaks ${PROTOCOL_VERSION})`);
      return { protocol: PROTOCOL_VERSION, node: process.version };
    case 'prepare':
      return session.prepare(req);
    case 'exec_step':
      return session.execStep(req, controller.signal);
    case 'cleanup':
      return session.cleanup(req);
  }
}

// Requests run one at a time, in arrival order (the host sends the next one after the response).
let queue = Promise.resolve();
const splitter = createLineSplitter((text) => {
  let req: Request;
  try {
    req = JSON.parse(text) as Request;
  } catch {
    process.stderr.write(`worker: ignoring a line that is not JSON (${text.length} bytes)\n`);
    return;
  }
  queue = queue.then(async () => {
    let response: Response;
    try {
      response = { id: req.id, ok: true, result: await handle(req) };
    } catch (error) {
      const d = describeError(error);
      response = { id: req.id, ok: false, error: { code: d.code, message: d.message, type: d.type } };
    }
    send(response);
  });
});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => splitter.push(chunk));
process.stdin.on('end', () => {
  splitter.end();
  void queue.then(() => {
    clearInterval(heartbeat);
    controller.abort();
  });
});
