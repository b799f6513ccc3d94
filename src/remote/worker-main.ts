// Entry of the sandbox worker (bundled by esbuild into dist/worker/): JSON lines on stdin/stdout,
// logs on stderr, a heartbeat every second. Heavy modules (drivers, DuckDB) are loaded only after
// the dependency check, so a missing package fails with an actionable message instead of a crash.
// `worker-main.mjs --archive <archive> [project files...]` only packs the artifacts: the host uses it to
// recover them after the serving worker was lost, killed or timed out.
import { readFileSync } from 'node:fs';
import { parseManifest } from '../compiler/index.js';
import type { DriverTable } from '../core/index.js';
import { OsirisError, describeError, maskStructure } from '../core/index.js';
import { writeArtifactsArchive } from './artifacts-archive.js';
import { findInstalledVersion } from './check-dependencies.js';
import { HEARTBEAT_INTERVAL_MS, MAX_LINE_BYTES, PROTOCOL_VERSION, createLineSplitter } from './protocol.js';
import { parseRequest } from './parse-request.js';
import { resolveWorkPath } from './resolve-work-path.js';
import type { Request, Response } from './protocol.js';
import { createWorkerSession } from './worker-session.js';
import { createDeferredDataPlane } from '../runtime/deferred-data-plane.js';

const root = process.cwd();
/** How long a worker whose stdin ended waits for the request in flight before it exits anyway. */
const ORPHAN_EXIT_MS = 10_000;
const [mode, archivePath, ...outputFiles] = process.argv.slice(2);
if (mode === '--archive' && archivePath) {
  const stats = await writeArtifactsArchive(
    root,
    outputFiles,
    resolveWorkPath(root, archivePath, 'archive path', 'write'),
  );
  process.stdout.write(`${JSON.stringify(stats)}\n`);
} else {
  serveRequests();
}

/**
 * Leave at once when the host is gone. Not process.exit: its cleanup waits for DuckDB threads still
 * running a query, which may be forever; SIGKILL to itself ends every thread now (nobody reads the code).
 */
function leaveNow(): void {
  process.kill(process.pid, 'SIGKILL');
}

/** Start loading now; the error, if any, surfaces where the module is used. */
function prefetch<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

function serveRequests(): void {
  const bundled = new Set(
    JSON.parse(readFileSync(new URL('./bundled.json', import.meta.url), 'utf8')) as string[],
  );
  // Every line is masked with the secrets `prepare` brought, by structure: string values only, before
  // serializing (never the JSON text: a password `true` would turn `"ok":true` into a broken line), so
  // nothing a driver emits carries a secret back, even before the host masks it again.
  let mask = (text: string): string => text;
  const send = (line: unknown): void => {
    process.stdout.write(`${JSON.stringify(maskStructure(line, mask))}\n`);
  };
  const controller = new AbortController();
  const loadDriverTable = async () => (await import('./worker-driver-table.js')).createWorkerDriverTable();
  const loadDataPlane = () => import('../runtime/duckdb-data-plane.js');
  // Module loading overlaps the host's ping/prepare round trips. The driver table has no native parts;
  // DuckDB is prefetched only when it is installed (a failed ESM import stays failed, even after an install).
  let drivers: Promise<DriverTable> | undefined;
  let plane: ReturnType<typeof loadDataPlane> | undefined;
  setImmediate(() => {
    drivers = prefetch(loadDriverTable());
    if (findInstalledVersion('@duckdb/node-api', root) !== undefined) plane = prefetch(loadDataPlane());
  });
  const session = createWorkerSession({
    root,
    bundled,
    parseManifest,
    notify: send,
    loadDrivers: () => drivers ?? loadDriverTable(),
    // as in the local adapter, DuckDB opens when a step first needs it
    createDataPlane: async (o) =>
      createDeferredDataPlane(o, async (opts) =>
        (await (plane ?? loadDataPlane())).createDuckDbDataPlane(opts),
      ),
  });
  mask = session.mask;

  let seq = 0;
  const heartbeat = setInterval(() => send({ type: 'heartbeat', seq: seq++ }), HEARTBEAT_INTERVAL_MS);

  const handle = async (req: Request): Promise<unknown> => {
    switch (req.cmd) {
      case 'ping':
        if (req.protocol !== PROTOCOL_VERSION)
          throw new OsirisError(
            'protocol_error',
            `protocol ${req.protocol} not supported (worker speaks ${PROTOCOL_VERSION})`,
          );
        return { protocol: PROTOCOL_VERSION, node: process.version };
      case 'prepare':
        return session.prepare(req);
      case 'exec_step':
        return session.execStep(req, controller.signal);
      case 'cleanup':
        return session.cleanup(req);
    }
  };

  // Requests run one at a time, in arrival order (the host sends the next one after the response).
  // Every line gets exactly one answer: a refused line (not JSON, wrong shape, unknown command, over
  // MAX_LINE_BYTES) an error response with its id when one could be read, null otherwise.
  let queue = Promise.resolve();
  const answer = (work: () => Promise<Response>): void => {
    queue = queue
      .then(async () => send(await work()))
      .catch((error: unknown) => {
        // only send itself can land here (an unserializable result): answer must never stop the queue
        process.stderr.write(`worker: could not answer a request: ${session.mask(String(error))}\n`);
      });
  };
  const refuse = (id: number | null, message: string): Response => ({
    id,
    ok: false,
    error: { code: 'protocol_error', message, type: 'OsirisError' },
  });
  const splitter = createLineSplitter(
    (text) => {
      const parsed = parseRequest(text);
      if (!parsed.ok) {
        answer(async () => refuse(parsed.id, parsed.message));
        return;
      }
      const req = parsed.request;
      answer(async () => {
        try {
          return { id: req.id, ok: true, result: await handle(req) };
        } catch (error) {
          const d = describeError(error);
          return {
            id: req.id,
            ok: false,
            error: { code: d.code, message: session.mask(d.message), type: d.type },
          };
        }
      });
    },
    {
      maxLineBytes: MAX_LINE_BYTES,
      onOverflow: (bytes) =>
        answer(async () =>
          refuse(null, `line refused: longer than ${MAX_LINE_BYTES} bytes (${bytes} bytes read and dropped)`),
        ),
    },
  );
  // a host that went away must not turn the next heartbeat into an EPIPE crash: the worker leaves
  process.stdout.on('error', leaveNow);
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => splitter.push(chunk));
  process.stdin.on('end', () => {
    splitter.end();
    // In a normal run stdin ends after the cleanup answer. Earlier, the host is gone (killed): abort the
    // running step and leave soon, so an orphaned worker never goes on computing in its directory.
    const leave = setTimeout(leaveNow, ORPHAN_EXIT_MS);
    controller.abort();
    void queue.then(() => {
      clearTimeout(leave);
      clearInterval(heartbeat);
    });
  });
}
