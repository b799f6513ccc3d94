// Rows of a query as CSV lines, packed from mysql2's raw row packets (structural types: only
// mysql-client.ts imports mysql2).
import type { EventEmitter } from 'node:events';
import type { LineChunk, LineFieldKind } from './mysql-protocol.js';
import { createCsvLinePacker } from './mysql-protocol.js';

/** A text-protocol row packet as mysql2 hands it to a query's row parser. */
interface RowPacket {
  buffer: Buffer;
  offset: number;
  end: number;
}

/** The part of a mysql2 connection a line stream uses. */
export interface LineSource {
  query(options: { sql: string }): EventEmitter;
  pause(): void;
  resume(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}

/** Chunks a line stream may hold before it pauses the connection (resumed at half). */
const MAX_READY_CHUNKS = 4;
/** What the row parser returns instead of a row: nothing is built per row. */
const PACKED = Symbol('packed');

/**
 * Make the query hand each row packet to `pack` instead of building a row of JS values (mysql2 3.x
 * parses rows with the query's `_rowParser`, set when the columns arrive: the property is pinned to
 * ours). Every 'result' event must then carry PACKED, else the hook did not take and the query fails.
 */
function packRowsOf(query: EventEmitter, pack: (packet: RowPacket) => void): void {
  const parser = {
    next(packet: RowPacket): typeof PACKED {
      pack(packet);
      return PACKED;
    },
  };
  Object.defineProperty(query, '_rowParser', { get: () => parser, set: () => undefined });
}

/**
 * A query's rows as CSV lines (`kinds` per column) in chunks of about `chunkBytes`, packed as the row
 * packets arrive (a row stream's async iteration costs a promise and an array per row). The connection
 * pauses while the consumer is MAX_READY_CHUNKS behind, so memory stays bounded.
 */
export async function* streamCsvLines(
  conn: LineSource,
  sql: string,
  kinds: readonly LineFieldKind[],
  chunkBytes: number,
): AsyncGenerator<LineChunk> {
  const packer = createCsvLinePacker(kinds, chunkBytes);
  const ready: LineChunk[] = [];
  const state = { done: false, failure: undefined as unknown, paused: false };
  let wake: (() => void) | undefined;
  const signal = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const stop = (error: unknown): void => {
    state.failure ??= error ?? new Error('the connection was lost');
    state.done = true;
    signal();
  };
  const query = conn.query({ sql });
  packRowsOf(query, (packet) => {
    const full = packer.add(packet.buffer, packet.offset, packet.end);
    if (full === undefined) return;
    ready.push(full);
    signal();
    if (ready.length >= MAX_READY_CHUNKS && !state.paused) {
      state.paused = true;
      conn.pause();
    }
  });
  query.on('result', (row: unknown) => {
    if (row !== PACKED) stop(new Error('mysql2 built a row the line packer should have taken'));
  });
  query.on('error', stop);
  query.on('end', () => {
    const rest = packer.flush();
    if (rest) ready.push(rest);
    state.done = true;
    signal();
  });
  // mysql2 reports a lost connection (KILL, server gone) on the connection only.
  conn.on('error', stop);
  try {
    for (;;) {
      const next = ready.shift();
      if (next) {
        if (state.paused && ready.length < MAX_READY_CHUNKS / 2) {
          state.paused = false;
          conn.resume();
        }
        yield next;
      } else if (state.failure !== undefined) throw state.failure;
      else if (state.done) return;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    conn.off('error', stop);
  }
}
