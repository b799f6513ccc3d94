import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { TextDecoder } from 'node:util';

/**
 * Stream a UTF-16 file into a UTF-8 copy. DuckDB 1.5's own `encoding='utf-16'` refuses any file
 * with a non-ASCII character ("File is not utf-16 encoded"), so the data plane converts first.
 * A byte-order mark picks the byte order (and is dropped); without one the file is read as
 * little-endian, which is what Windows tools write.
 */
export async function transcodeUtf16ToUtf8(source: string, target: string): Promise<void> {
  let decoder: TextDecoder | undefined;
  let head = Buffer.alloc(0);
  const convert = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (!decoder) {
        head = Buffer.concat([head, chunk]);
        if (head.length < 2) return done();
        const bigEndian = head[0] === 0xfe && head[1] === 0xff;
        // ignoreBOM: false makes the decoder drop a leading BOM itself.
        decoder = new TextDecoder(bigEndian ? 'utf-16be' : 'utf-16le', { fatal: true, ignoreBOM: false });
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
