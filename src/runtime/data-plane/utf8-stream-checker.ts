import { isUtf8 } from 'node:buffer';

/** Bytes a UTF-8 sequence needs, from its lead byte (0 for a byte that cannot start one). */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * Length of `bytes` without a multi-byte sequence cut off at its end (that one continues in the next
 * chunk of a stream). Invalid bytes are not judged here.
 */
export function utf8CompleteLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const byte = bytes[n - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = sequenceLength(byte);
    return need > back ? n - back : n;
  }
  return n;
}

/**
 * Offset of the first byte that is not valid UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF), or -1. The slow path: it runs only after `isUtf8` said no, to say where.
 */
export function findUtf8Error(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const lead = bytes[i] as number;
    const need = sequenceLength(lead);
    if (need === 0) return i;
    if (need === 1) {
      i++;
      continue;
    }
    if (i + need > n) return i;
    const second = bytes[i + 1] as number;
    // The second byte's range excludes overlong forms, surrogates and code points above U+10FFFF.
    let low = 0x80;
    let high = 0xbf;
    if (lead === 0xe0) low = 0xa0;
    else if (lead === 0xed) high = 0x9f;
    else if (lead === 0xf0) low = 0x90;
    else if (lead === 0xf4) high = 0x8f;
    if (second < low || second > high) return i;
    for (let k = 2; k < need; k++) if (((bytes[i + k] as number) & 0xc0) !== 0x80) return i;
    i += need;
  }
  return -1;
}

/**
 * Validates a byte stream chunk by chunk: simdutf (`isUtf8`) checks each chunk at memory speed, and a
 * sequence split between two chunks is carried over to the next one.
 */
export class Utf8StreamChecker {
  private carried: Buffer = Buffer.alloc(0);

  /**
   * Offset in `chunk` of the first invalid byte before `stop`, or -1; a negative offset below -1 never
   * occurs: a bad sequence begun in the previous chunk is reported at offset 0.
   */
  check(chunk: Buffer, stop: number): number {
    let start = 0;
    if (this.carried.length > 0) {
      const carried = this.carried;
      const joined = Buffer.concat([carried, chunk.subarray(0, Math.min(3, stop))]);
      const complete = utf8CompleteLength(joined);
      if (complete < carried.length) {
        // Still cut off: only when the chunk is tiny; wait for the next one.
        this.carried = joined;
        return -1;
      }
      if (!isUtf8(joined.subarray(0, complete))) return 0;
      start = complete - carried.length;
      this.carried = Buffer.alloc(0);
    }
    const end = stop < chunk.length ? stop : start + utf8CompleteLength(chunk.subarray(start, stop));
    const body = chunk.subarray(start, end);
    if (!isUtf8(body)) return start + findUtf8Error(body);
    if (end < stop) this.carried = Buffer.from(chunk.subarray(end, stop));
    return -1;
  }

  /** Bytes of a sequence still cut off (at the end of the stream: invalid). */
  pendingBytes(): number {
    return this.carried.length;
  }
}
