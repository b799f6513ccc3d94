// Entry of the sandbox worker (bundled by esbuild into dist/worker/): JSON lines on stdin/stdout,
// logs on stderr, a heartbeat every second. Heavy modules (drivers, DuckDB) are loaded only after
// the dependency check, so a missing package fails with an actionable message instead of a crash.
// `worker-main.mjs --archive <archive> [project files...]` only packs the artifacts: the host uses it to
// recover them after the serving worker was lost, killed or timed out.
import { readFileSync } from 'node:fs';
import { parseManifest } from '../compiler/index.js';
import type { DriverTable } from '../core/index.js';
import { describeError, maskStructure } from '../core/index.js';
import { writeArtifactsArchive } from './artifacts-archive.js';
import { findInstalledVersion } from './check-dependencies.js';
import { HEARTBEAT_INTERVAL_MS, MAX_LINE_BYTES, createHostProxy, createLineSplitter } from './protocol.js';
import { parseRequest } from './parse-request.js';
import { resolveWorkPath } from './resolve-work-path.js';
import type { Request, Response, WorkerApi } from './protocol.js';
import type { WorkerEnvironment, WorkerSession } from './worker-session.js';
import { createWorkerSession } from './worker-session.js';

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
  const host = createHostProxy(send);
  const session = createWorkerSession({ root, bundled, parseManifest, host, ...prefetchHeavyModules() });
  mask = session.mask;
  const controller = new AbortController();
  const queue = createAnswerQueue(session, send, controller.signal);
  let seq = 0;
  const heartbeat = setInterval(() => host.heartbeat(seq++), HEARTBEAT_INTERVAL_MS);

  const splitter = createLineSplitter(queue.take, {
    maxLineBytes: MAX_LINE_BYTES,
    onOverflow: (bytes) =>
      queue.refuse(
        null,
        `line refused: longer than ${MAX_LINE_BYTES} bytes (${bytes} bytes read and dropped)`,
      ),
  });
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
    void queue.idle().then(() => {
      clearTimeout(leave);
      clearInterval(heartbeat);
    });
  });
}

/**
 * The driver table and DuckDB load while the host's ping/prepare round trips go on. The driver table has no
 * native parts; DuckDB is prefetched only when it is installed (a failed ESM import stays failed, even
 * after an install).
 */
function prefetchHeavyModules(): Pick<WorkerEnvironment, 'loadDrivers' | 'loadDataPlane'> {
  // the same binding of the driver table as the library's and the CLI's
  const loadDriverTable = async () => (await import('../api/driver-table.js')).createDriverTable();
  const loadDataPlane = () => import('../runtime/data-plane/duckdb-data-plane.js');
  let drivers: Promise<DriverTable> | undefined;
  let plane: ReturnType<typeof loadDataPlane> | undefined;
  setImmediate(() => {
    drivers = prefetch(loadDriverTable());
    if (findInstalledVersion('@duckdb/node-api', root) !== undefined) plane = prefetch(loadDataPlane());
  });
  return {
    loadDrivers: () => drivers ?? loadDriverTable(),
    loadDataPlane: () => plane ?? loadDataPlane(),
  };
}

/**
 * `exec_step` requests run as they arrive, side by side (the host schedules concurrent steps and sends
 * no more than it allows); every other request waits until everything before it is answered, and
 * everything after it waits for it (prepare before steps, cleanup after them). Every line gets exactly
 * one answer: a refused line (not JSON, wrong shape, unknown command, over MAX_LINE_BYTES) an error
 * response with its id when one could be read, null otherwise.
 */
function createAnswerQueue(
  session: WorkerSession,
  send: (line: Response) => void,
  signal: AbortSignal,
): { take(text: string): void; refuse(id: number | null, message: string): void; idle(): Promise<void> } {
  let barrier = Promise.resolve();
  const inFlight = new Set<Promise<void>>();
  const answer = (work: () => Promise<Response>, alongside = false): void => {
    const after = alongside ? barrier : Promise.all([barrier, ...inFlight]).then(() => undefined);
    const done = after
      .then(async () => send(await work()))
      .catch((error: unknown) => {
        // only send itself can land here (an unserializable result): answer must never stop the queue
        process.stderr.write(`worker: could not answer a request: ${session.mask(String(error))}\n`);
      });
    if (!alongside) barrier = done;
    else {
      inFlight.add(done);
      void done.finally(() => inFlight.delete(done));
    }
  };
  const refuse = (id: number | null, message: string): void =>
    answer(async () => ({ id, ok: false, error: { code: 'protocol_error', message, type: 'OsirisError' } }));
  const take = (text: string): void => {
    const parsed = parseRequest(text);
    if (!parsed.ok) return refuse(parsed.id, parsed.message);
    const req = parsed.request;
    answer(async () => {
      try {
        return { id: req.id, ok: true, result: await serveRequest(session, req, signal) };
      } catch (error) {
        const d = describeError(error);
        return {
          id: req.id,
          ok: false,
          error: { code: d.code, message: session.mask(d.message), type: d.type },
        };
      }
    }, req.cmd === 'exec_step');
  };
  const idle = (): Promise<void> => Promise.all([barrier, ...inFlight]).then(() => undefined);
  return { take, refuse, idle };
}

/** Hand a checked request to the WorkerApi method of its command. */
function serveRequest(worker: WorkerApi, req: Request, signal: AbortSignal): Promise<unknown> {
  switch (req.cmd) {
    case 'ping':
      return worker.ping(req, signal);
    case 'prepare':
      return worker.prepare(req, signal);
    case 'exec_step':
      return worker.exec_step(req, signal);
    case 'cleanup':
      return worker.cleanup(req, signal);
  }
}
