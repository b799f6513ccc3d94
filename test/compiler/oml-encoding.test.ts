// Issue 8 §5: OML given as bytes must be UTF-8. UTF-16/32, NUL bytes and invalid UTF-8 are refused naming the
// encoding and the byte offset of the first bad byte; a UTF-8 byte-order mark is accepted.
import { describe, expect, it } from 'vitest';
import { createFingerprint } from '../../src/core/fingerprint.js';
import { compile, FILE, HEADER, oml, refuse } from './compile-support.js';

const TEXT = oml(
  ...HEADER,
  'steps:',
  '  - id: extract',
  '    component: filesystem.csv_extractor',
  '    mode: read',
  '    config: {path: data/x.csv}',
);
const RESAVE = '(OML files must be UTF-8: save it as UTF-8 and compile again)';
const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('OML encoding', () => {
  it.each([
    ['UTF-16 LE', [0xff, 0xfe], 'utf16le', 'FF FE'],
    ['UTF-16 BE', [0xfe, 0xff], 'utf16be', 'FE FF'],
  ])('refuses %s by its byte-order mark', (name, mark, encoding, shown) => {
    const body =
      encoding === 'utf16le' ? Buffer.from(TEXT, 'utf16le') : Buffer.from(TEXT, 'utf16le').swap16();
    expect(refuse(Buffer.concat([Buffer.from(mark), body]) as never, 'oml_invalid')).toEqual([
      `${FILE}:1:1: the file is ${name}, not UTF-8 (byte-order mark ${shown} at byte offset 0) ${RESAVE}`,
    ]);
  });

  it('refuses UTF-32 LE by its byte-order mark (not mistaken for UTF-16)', () => {
    const text = bytes([0xff, 0xfe, 0, 0], [0x6f, 0, 0, 0]);
    expect(refuse(text as never, 'oml_invalid')).toEqual([
      `${FILE}:1:1: the file is UTF-32 LE, not UTF-8 (byte-order mark FF FE 00 00 at byte offset 0) ${RESAVE}`,
    ]);
  });

  it('refuses UTF-16 without a byte-order mark by its NUL pattern, at the first NUL', () => {
    expect(refuse(Buffer.from(TEXT, 'utf16le') as never, 'oml_invalid')).toEqual([
      `${FILE}:1:2: the file looks like UTF-16 LE without a byte-order mark, not UTF-8 (NUL byte at byte offset 1) ${RESAVE}`,
    ]);
    expect(refuse(Buffer.from(TEXT, 'utf16le').swap16() as never, 'oml_invalid')).toEqual([
      `${FILE}:1:1: the file looks like UTF-16 BE without a byte-order mark, not UTF-8 (NUL byte at byte offset 0) ${RESAVE}`,
    ]);
  });

  it('refuses a stray NUL byte with its offset and line', () => {
    const offset = TEXT.indexOf('x.csv') + 1;
    const text = bytes(TEXT.slice(0, offset), [0], TEXT.slice(offset));
    expect(refuse(text as never, 'oml_invalid')).toEqual([
      `${FILE}:7:26: the file holds a NUL byte at byte offset ${offset}, which OML text never holds (is it binary or UTF-16?) ${RESAVE}`,
    ]);
  });

  it('refuses Latin-1 text at its first non-UTF-8 byte, after valid multi-byte characters', () => {
    // 'ü' is valid UTF-8 (2 bytes) on line 2; the Latin-1 'é' (0xE9) on line 5 is the first bad byte.
    const head = '# Müller\n' + TEXT.replace('- id: extract', '- id: extract # caf');
    const cut = head.indexOf(' # caf') + ' # caf'.length;
    const text = bytes(head.slice(0, cut), [0xe9], head.slice(cut));
    const offset = Buffer.byteLength(head.slice(0, cut));
    expect(refuse(text as never, 'oml_invalid')).toEqual([
      `${FILE}:5:22: the file is not valid UTF-8: byte 0xE9 at byte offset ${offset} (Latin-1 or Windows-1252 text shows this way) ${RESAVE}`,
    ]);
  });

  it.each([
    ['a truncated sequence at the end', [0xc3], 0xc3],
    ['an overlong form', [0xc0, 0xaf], 0xc0],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80], 0xed],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0xf4],
    ['a lone continuation byte', [0x80], 0x80],
  ])('refuses %s', (_what, bad, lead) => {
    const text = bytes(TEXT, '# ', bad);
    const hex = lead.toString(16).toUpperCase();
    expect(refuse(text as never, 'oml_invalid')).toEqual([
      `${FILE}:8:3: the file is not valid UTF-8: byte 0x${hex} at byte offset ${Buffer.byteLength(TEXT) + 2} (Latin-1 or Windows-1252 text shows this way) ${RESAVE}`,
    ]);
  });

  it('accepts a UTF-8 byte-order mark: same manifest, positions count from the first character', () => {
    const plain = compile(TEXT);
    const withBom = compile(bytes([0xef, 0xbb, 0xbf], TEXT) as never);
    // Only oml_fp (of the file's bytes) and so manifest_fp differ.
    const strip = (t: string) => t.replace(/(oml_fp|manifest_fp): \S+/g, '');
    expect(strip(withBom.manifestText)).toBe(strip(plain.manifestText));
    // oml_fp is of the file's bytes, the mark included
    expect(withBom.manifest.pipeline.fingerprints.oml_fp).toBe(
      createFingerprint(bytes([0xef, 0xbb, 0xbf], TEXT)),
    );
    const broken = bytes([0xef, 0xbb, 0xbf], 'oml_version: 1\n', TEXT.slice(TEXT.indexOf('\n') + 1));
    expect(refuse(broken as never, 'oml_invalid')[0]).toMatch(new RegExp(`^${FILE}:1:14: oml_version:`));
  });

  it('gives bytes of valid UTF-8 the same manifest as the text', () => {
    const text = TEXT.replace('name: movies', 'name: Filmes de São Paulo — 東京');
    expect(compile(Buffer.from(text) as never).manifestText).toBe(compile(text).manifestText);
  });
});
