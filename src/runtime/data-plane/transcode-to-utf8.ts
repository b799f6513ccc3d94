import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { TextDecoder } from 'node:util';

/**
 * The byte order of UTF-16 text from its first bytes: the byte-order mark, else the side its NUL bytes
 * sit on (every ASCII character, delimiters and line ends included, has one: `a` is 61 00 in
 * little-endian, 00 61 in big-endian). Undefined when the sample has no NUL at all: then it is not
 * UTF-16 text, and decoding it anyway (a UTF-8 file, say) gives one line of CJK characters: zero rows.
 */
function detectByteOrder(sample: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  if (sample[0] === 0xfe && sample[1] === 0xff) return 'utf-16be';
  if (sample[0] === 0xff && sample[1] === 0xfe) return 'utf-16le';
  let high = 0;
  let low = 0;
  for (let i = 0; i + 1 < sample.length; i += 2) {
    if (sample[i] === 0) high++;
    if (sample[i + 1] === 0) low++;
  }
  if (high === 0 && low === 0) return undefined;
  return high > low ? 'utf-16be' : 'utf-16le';
}

/**
 * Stream a UTF-16 file into a UTF-8 copy. DuckDB 1.5's own `encoding='utf-16'` refuses any file
 * with a non-ASCII character ("File is not utf-16 encoded"), so the data plane converts first.
 * The byte order comes from the first chunk (detectByteOrder); a leading BOM is dropped.
 */
export async function transcodeUtf16ToUtf8(source: string, target: string): Promise<void> {
  let decoder: TextDecoder | undefined;
  let head = Buffer.alloc(0);
  const convert = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (!decoder) {
        head = Buffer.concat([head, chunk]);
        if (head.length < 2) return done();
        const order = detectByteOrder(head);
        if (!order) {
          const why =
            'it has no byte-order mark and none of the NUL bytes UTF-16 gives ASCII characters (is it UTF-8? then set encoding: utf-8)';
          return done(new Error(why));
        }
        // ignoreBOM: false makes the decoder drop a leading BOM itself.
        decoder = new TextDecoder(order, { fatal: true, ignoreBOM: false });
        chunk = head;
      }
      try {
        done(null, Buffer.from(decoder.decode(chunk, { stream: true }), 'utf8'));
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done) {
      try {
        if (!decoder && head.length > 0) throw new Error('a UTF-16 file cannot have an odd number of bytes');
        done(null, decoder ? Buffer.from(decoder.decode(), 'utf8') : undefined);
      } catch (error) {
        done(error as Error);
      }
    },
  });
  await pipeline(createReadStream(source), convert, createWriteStream(target));
}
