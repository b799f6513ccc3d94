// Byte plumbing of the e2b transport, SDK-free: upload sizes and bodies (host files streamed, never read
// whole above the threshold) and download streams as async iterables.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { OsirisError } from '../../core/errors.js';
import type { UploadFile } from '../transport.js';

const STREAM_CHUNK = 256 << 10;

/** Bytes of an upload. */
export async function sizeOf(file: UploadFile): Promise<number> {
  if ('source' in file) return (await stat(file.source)).size;
  return typeof file.data === 'string' ? Buffer.byteLength(file.data) : file.data.byteLength;
}

/** A small upload as a Blob (bounded by the caller's threshold). */
export async function toBlob(file: UploadFile): Promise<Blob> {
  // only files below STREAM_THRESHOLD get here, so reading a host file whole is bounded
  return new Blob([new Uint8Array('source' in file ? await readFile(file.source) : Buffer.from(file.data))]);
}

/** An upload as a stream, read in 256 KiB chunks. */
export function toReadableStream(file: UploadFile): ReadableStream<Uint8Array> {
  if ('source' in file) {
    return Readable.toWeb(
      createReadStream(file.source, { highWaterMark: STREAM_CHUNK }),
    ) as ReadableStream<Uint8Array>;
  }
  const bytes = typeof file.data === 'string' ? Buffer.from(file.data) : file.data;
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + STREAM_CHUNK));
      offset += STREAM_CHUNK;
    },
  });
}

/** A download stream as an async iterable; a read error becomes `fail(error)`; cancelled when left early. */
export async function* iterateStream(
  stream: ReadableStream<Uint8Array>,
  fail: (error: unknown) => OsirisError,
): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read().catch((error: unknown) => {
        throw fail(error);
      });
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
