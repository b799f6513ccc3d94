// Masking works on structure, not text (issue 8 §2): string values only, secret fields by key at any
// length, DSN passwords whatever they hold; short secrets only in credential positions of free text.
import { describe, expect, it } from 'vitest';
import {
  MASK,
  createMasker,
  createSecretFinder,
  listSecretForms,
  maskConnectionStrings,
  maskUrlPassword,
} from '../../src/core/mask.js';
import { maskStructure } from '../../src/core/mask-structure.js';

describe('maskStructure', () => {
  it('masks string values only: a password `true` never touches booleans or keys', () => {
    const mask = createMasker(['true']);
    const line = { ok: true, event: 'x', note: 'it is true', true: 1, nested: [true, 'true'] };
    const masked = maskStructure(line, mask);
    expect(masked).toEqual({ ok: true, event: 'x', note: `it is ${MASK}`, true: 1, nested: [true, MASK] });
    expect(JSON.parse(JSON.stringify(masked))).toEqual(masked);
  });

  it('a password `step` leaves keys, event names and step ids alone', () => {
    const mask = createMasker(['step']);
    const line = { event: 'step_start', step_id: 'first_step', steps_total: 2, message: 'step x failed' };
    expect(maskStructure(line, mask)).toEqual({ ...line, message: `${MASK} x failed` });
  });

  it('a password `2026` leaves timestamps alone but masks it in free text', () => {
    const mask = createMasker(['2026']);
    const status = {
      started_at: '2026-12-02T10:00:00.000Z',
      finished_at: '2026-12-02T10:00:01.000Z',
      ts: '2026-12-02T10:00:00.000Z',
      error: { code: 'sql_error', message: 'near 2026' },
    };
    expect(maskStructure(status, mask)).toEqual({
      ...status,
      error: { code: 'sql_error', message: `near ${MASK}` },
    });
  });

  it('masks secret fields by key whatever their length, and DSN passwords whatever they hold', () => {
    const mask = createMasker(['k9!', 'Secr3t@#VeryLongTailPart']);
    expect(
      maskStructure(
        {
          password: 'k9!',
          dsn: 'postgresql://u:k9!@host/db',
          other: { dsn: 'postgresql://u:Secr3t@#VeryLongTailPart@host/db' },
          url: 'postgresql://u:q@x?TOPSECRETtail@host/db',
        },
        mask,
      ),
    ).toEqual({
      password: MASK,
      dsn: `postgresql://u:${MASK}@host/db`,
      other: { dsn: `postgresql://u:${MASK}@host/db` },
      url: `postgresql://u:${MASK}@host/db`,
    });
  });

  it('a DSN it cannot read shows none of its password (connections list printed these raw)', () => {
    const shown = maskStructure(
      {
        bad_port: { dsn: 'postgresql://etl:Sup3r-S3cret-pw!@127.0.0.1:abc/db' },
        user_only: { dsn: 'postgresql://etl@127.0.0.1:abc/db' },
        pasted_whole: { dsn: 'Sup3r-S3cret-pw2' },
        keywords: { dsn: 'host=127.0.0.1 user=etl password=Sup3r-S3cret-pw3 dbname=x' },
        readable: { dsn: 'postgresql://etl@db.example.com:5432/app', url: 'https://x.supabase.co' },
      },
      createMasker([]),
    );
    expect(shown).toEqual({
      bad_port: { dsn: `postgresql://etl:${MASK}@127.0.0.1:abc/db` },
      user_only: { dsn: 'postgresql://etl@127.0.0.1:abc/db' },
      pasted_whole: { dsn: MASK },
      keywords: { dsn: `host=127.0.0.1 user=etl password=${MASK} dbname=x` },
      readable: { dsn: 'postgresql://etl@db.example.com:5432/app', url: 'https://x.supabase.co' },
    });
    expect(JSON.stringify(shown)).not.toMatch(/S3cret/);
    // the same in free text (an error message quoting a DSN), and a URL whose `@` is in its query stays
    const mask = createMasker([]);
    expect(mask('cannot use postgresql://etl:Sup3r-S3cret-pw!@127.0.0.1:abc/db here')).toBe(
      `cannot use postgresql://etl:${MASK}@127.0.0.1:abc/db here`,
    );
    expect(mask('see https://example.com/a?to=x:y@z:abc now')).toBe(
      'see https://example.com/a?to=x:y@z:abc now',
    );
  });

  it('a password `postgres` masks values, never the scheme of a DSN nor identifiers', () => {
    const mask = createMasker(['postgres']);
    expect(
      maskStructure(
        {
          connection: '@postgres.main',
          driver: 'postgres.extractor',
          dsn: 'postgresql://u:postgres@h/db',
          query: 'SELECT 1 -- postgres',
        },
        mask,
      ),
    ).toEqual({
      connection: '@postgres.main',
      driver: 'postgres.extractor',
      dsn: `postgresql://u:${MASK}@h/db`,
      query: `SELECT 1 -- ${MASK}`,
    });
  });
});

describe('createMasker', () => {
  it('masks every form of a long secret in free text, in any case', () => {
    const mask = createMasker(['Pw-Canary-7f3a+/=']);
    for (const form of listSecretForms('Pw-Canary-7f3a+/=')) expect(mask(`a ${form} b`)).toBe(`a ${MASK} b`);
    expect(mask('a PW-CANARY-7F3A+/= b')).toBe(`a ${MASK} b`);
    expect(mask(`x ${Buffer.from('Pw-Canary-7f3a+/=').toString('hex').toUpperCase()} y`)).toBe(`x ${MASK} y`);
  });

  it('masks a secret as the server echoes it back: percent-decoded, backslash escapes undone', () => {
    // A ${VAR} in a DSN's options reaches PostgreSQL encoded and comes back decoded in its error.
    const mask = createMasker(['Zq9%2DOptCanary%2DX', 'Zq9\\-Opt2Canary', '%41%42']);
    expect(mask('invalid value for parameter "statement_timeout": "Zq9-OptCanary-X"')).toBe(
      `invalid value for parameter "statement_timeout": "${MASK}"`,
    );
    expect(mask('value "Zq9-Opt2Canary"')).toBe(`value "${MASK}"`);
    // a read form shorter than a free-text secret is not masked everywhere
    expect(mask('AB testing')).toBe('AB testing');
  });

  it('a short secret is masked only where it sits as a credential, so logs stay readable', () => {
    const mask = createMasker(['k9!', 'a b']);
    expect(mask('k9! is also a word here')).toBe('k9! is also a word here');
    expect(mask('dsn postgresql://u:k9!@h/db failed')).toBe(`dsn postgresql://u:${MASK}@h/db failed`);
    // a space ends a URL token in free text; the credential position still catches it
    expect(mask('postgresql://u:a b@h/db')).toBe(`postgresql://u:${MASK}@h/db`);
    expect(mask('host=h password=k9! dbname=x')).toBe(`host=h password=${MASK} dbname=x`);
  });

  it('masks a 1 MB message in linear time (no backtracking over a long run of letters or @)', () => {
    const mask = createMasker(['Big-Canary-5e9d+/=x']);
    const letters = 'abcdefghij'.repeat(100_000);
    const started = performance.now();
    expect(mask(`boom: ${letters}Big-Canary-5e9d+/=x${letters}`)).toBe(`boom: ${letters}${MASK}${letters}`);
    expect(mask(`x://${'a@'.repeat(200_000)}h/db`)).toMatch(/^x:\/\/a@a@/);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('masks passwords of connection strings with unencoded specials up to the last plausible @', () => {
    expect(maskUrlPassword('postgresql://u:Secr3t@#VeryLongTailPart@host/db')).toBe(
      `postgresql://u:${MASK}@host/db`,
    );
    expect(maskConnectionStrings('see mysql://u:a:b@c/d?e#f@h:3306/db now')).toBe(
      `see mysql://u:${MASK}@h:3306/db now`,
    );
    expect(maskUrlPassword('postgres://app@db/wh')).toBe('postgres://app@db/wh');
  });
});

describe('createSecretFinder', () => {
  it('finds long secrets in any form and case, short ones only as the whole text', () => {
    const finder = createSecretFinder(['Pw-Canary-7f3a', 'k9!']);
    expect(finder.contains(`SELECT '${encodeURIComponent('PW-CANARY-7F3A')}'`)).toBe(true);
    expect(finder.contains('SELECT k9! AS x')).toBe(false);
    expect(finder.contains('K9!')).toBe(true);
    expect(finder.equals('Pw-Canary-7f3a')).toBe(true);
    expect(finder.equals('x Pw-Canary-7f3a')).toBe(false);
  });
});
