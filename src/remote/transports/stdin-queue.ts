// Ordered stdin for a sandbox process. Providers deliver each write as its own request, and concurrent
// requests can overtake each other (300 un-awaited E2B sendStdin calls to `cat` arrived with 30 adjacent
// pairs swapped), so only one send is in flight at a time; writes queued meanwhile go together in the
// next send.
import type { OsirisError } from '../../core/errors.js';

/** How the queue reaches the process. */
export interface StdinSink {
  /** Deliver this text; resolves once the provider accepted it. */
  send(data: string): Promise<void>;
  /** Signal EOF. */
  close(): Promise<void>;
  /** Turn a send/close failure into the error every pending and later write rejects with. */
  fail(error: unknown): OsirisError;
}

/** The ordered writer: `write` and `closeStdin` of SandboxProcess. */
export interface StdinQueue {
  /** Queue text; resolves when it (and everything before it) was delivered. */
  write(data: string): Promise<void>;
  /** Queue EOF after every earlier write. */
  closeStdin(): Promise<void>;
}

type Item = { data: string | undefined; resolve: () => void; reject: (error: OsirisError) => void };

/** Create an ordered, coalescing writer over `sink`; after the first failure every write fails the same way. */
export function createStdinQueue(sink: StdinSink, maxBatchChars = 1 << 20): StdinQueue {
  const pending: Item[] = [];
  let flushing = false;
  let failure: OsirisError | undefined;

  const takeBatch = (): Item[] => {
    const first = pending.shift() as Item;
    if (first.data === undefined) return [first];
    const batch = [first];
    let size = first.data.length;
    while (size < maxBatchChars && pending[0] !== undefined && pending[0].data !== undefined) {
      const item = pending.shift() as Item;
      size += (item.data as string).length;
      batch.push(item);
    }
    return batch;
  };

  const flush = async (): Promise<void> => {
    flushing = true;
    while (pending.length > 0) {
      const batch = takeBatch();
      try {
        if (failure) throw failure;
        if (batch[0]?.data === undefined) await sink.close();
        else await sink.send(batch.map((item) => item.data).join(''));
        for (const item of batch) item.resolve();
      } catch (error) {
        failure ??= sink.fail(error);
        for (const item of batch) item.reject(failure);
      }
    }
    flushing = false;
  };

  const enqueue = (data: string | undefined): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      pending.push({ data, resolve, reject });
      if (!flushing) void flush();
    });

  return { write: (data) => enqueue(data), closeStdin: () => enqueue(undefined) };
}
