import type { SourcePosition } from '../core/errors.js';
import type { DiagnosticSink } from './diagnostic-sink.js';

const RESAVE = 'OML files must be UTF-8: save it as UTF-8 and compile again';

interface BadByte {
  /** Byte offset of the first byte that is not UTF-8 OML. */
  offset: number;
  /** What the file is, or what is wrong, for the message. */
  message: string;
}

/**
 * The text of an OML file given as bytes. A UTF-8 byte-order mark is dropped (positions then count from
 * the first real character). UTF-16/UTF-32 (by byte-order mark or NUL pattern), NUL bytes and invalid
 * UTF-8 are `invalid` findings that name the encoding and the byte offset of the first bad byte; reading
 * such a file as UTF-8 would instead give replacement characters and misleading YAML errors.
 */
export function decodeOmlBytes(bytes: Uint8Array, file: string, sink: DiagnosticSink): string | undefined {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  const bad = findWideEncoding(body) ?? findInvalidUtf8(body);
  if (bad) {
    const offset = bad.offset + (bytes.length - body.length);
    sink.invalid('', `${bad.message} (${RESAVE})`, locateByte(bytes, offset, file));
    return undefined;
  }
  return new TextDecoder('utf-8').decode(body);
}

function findWideEncoding(b: Uint8Array): BadByte | undefined {
  const starts = (...mark: number[]) => mark.every((v, i) => b[i] === v);
  const bom = (name: string, mark: string) => ({
    offset: 0,
    message: `the file is ${name}, not UTF-8 (byte-order mark ${mark} at byte offset 0)`,
  });
  if (starts(0xff, 0xfe, 0, 0)) return bom('UTF-32 LE', 'FF FE 00 00');
  if (starts(0, 0, 0xfe, 0xff)) return bom('UTF-32 BE', '00 00 FE FF');
  if (starts(0xff, 0xfe)) return bom('UTF-16 LE', 'FF FE');
  if (starts(0xfe, 0xff)) return bom('UTF-16 BE', 'FE FF');
  const nul = b.indexOf(0);
  if (nul < 0) return undefined;
  // Without a mark, UTF-16 shows as NULs on one side of most ASCII characters: odd offsets for LE, even for BE.
  let even = 0;
  let odd = 0;
  const sample = Math.min(b.length, 512);
  for (let i = 0; i < sample; i++) {
    if (b[i] !== 0) continue;
    if (i % 2 === 0) even++;
    else odd++;
  }
  const guess =
    odd > sample / 4 && even === 0 ? 'UTF-16 LE' : even > sample / 4 && odd === 0 ? 'UTF-16 BE' : undefined;
  return {
    offset: nul,
    message: guess
      ? `the file looks like ${guess} without a byte-order mark, not UTF-8 (NUL byte at byte offset ${nul})`
      : `the file holds a NUL byte at byte offset ${nul}, which OML text never holds (is it binary or UTF-16?)`,
  };
}

// Length of a UTF-8 sequence by its lead byte, 0 when the byte cannot start one; then the allowed range of
// its second byte (which rules out overlong forms, surrogates and code points above U+10FFFF).
function describeLead(lead: number): { length: number; min: number; max: number } {
  if (lead < 0x80) return { length: 1, min: 0, max: 0 };
  if (lead >= 0xc2 && lead <= 0xdf) return { length: 2, min: 0x80, max: 0xbf };
  if (lead === 0xe0) return { length: 3, min: 0xa0, max: 0xbf };
  if (lead === 0xed) return { length: 3, min: 0x80, max: 0x9f };
  if (lead >= 0xe1 && lead <= 0xef) return { length: 3, min: 0x80, max: 0xbf };
  if (lead === 0xf0) return { length: 4, min: 0x90, max: 0xbf };
  if (lead >= 0xf1 && lead <= 0xf3) return { length: 4, min: 0x80, max: 0xbf };
  if (lead === 0xf4) return { length: 4, min: 0x80, max: 0x8f };
  return { length: 0, min: 0, max: 0 };
}

function findInvalidUtf8(b: Uint8Array): BadByte | undefined {
  // Fast path: the platform's validator; the byte walk below only runs to find where a bad file breaks.
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return undefined;
  } catch {
    // fall through to locate the first bad byte
  }
  for (let i = 0; i < b.length;) {
    const lead = b[i] as number;
    const { length, min, max } = describeLead(lead);
    let broken = length === 0;
    for (let k = 1; !broken && k < length; k++) {
      const c = b[i + k];
      const [lo, hi] = k === 1 ? [min, max] : [0x80, 0xbf];
      broken = c === undefined || c < lo || c > hi;
    }
    // The sequence's first byte is the bad one: Latin-1 'é' (0xE9) before an ASCII byte breaks at the 0xE9.
    if (broken) {
      const hex = lead.toString(16).toUpperCase().padStart(2, '0');
      return {
        offset: i,
        message: `the file is not valid UTF-8: byte 0x${hex} at byte offset ${i} (Latin-1 or Windows-1252 text shows this way)`,
      };
    }
    i += length;
  }
  return { offset: 0, message: 'the file is not valid UTF-8' };
}

// Line and column of a byte offset, counted the way the YAML positions are (the column in characters).
function locateByte(bytes: Uint8Array, offset: number, file: string): SourcePosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const before = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset));
  return { file, line, col: before.replace(/^\uFEFF/, '').length + 1 };
}
