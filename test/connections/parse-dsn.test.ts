import { describe, expect, it } from 'vitest';
import { parseDsn } from '../../src/core/parse-dsn.js';

describe('parseDsn', () => {
  it('parses a full postgres URL, decoding every part', () => {
    expect(
      parseDsn('postgresql://my%20user:p%40ss%2Fw%3Ard@db.example.com:6543/ware%20house?sslmode=require'),
    ).toEqual({
      scheme: 'postgresql',
      host: 'db.example.com',
      port: 6543,
      user: 'my user',
      password: 'p@ss/w:rd',
      rawPassword: 'p%40ss%2Fw%3Ard',
      database: 'ware house',
      query: 'sslmode=require',
    });
  });

  it('parses mysql without port and password, and IPv6 hosts', () => {
    expect(parseDsn('mysql://root@localhost/movies')).toEqual({
      scheme: 'mysql',
      host: 'localhost',
      user: 'root',
      database: 'movies',
    });
    expect(parseDsn('postgres://u:p@[::1]:5433/db')).toMatchObject({
      host: '::1',
      port: 5433,
      password: 'p',
    });
    expect(parseDsn('postgres://h')).toEqual({ scheme: 'postgres', host: 'h' });
    expect(parseDsn('postgres://u:p@[::1]/db')).toMatchObject({ host: '::1', database: 'db' });
    // text after the bracket that is not `:port` was dropped silently
    expect(parseDsn('postgres://u:p@[::1]x:1/db')).toBe('bad_port');
  });

  it('reads unencoded special characters in the password as best it can, and flags the string as ambiguous', () => {
    expect(parseDsn('postgres://u:Pw-Canary-7f3a+/=@h:1/db')).toMatchObject({
      ambiguous: true,
      user: 'u',
      password: 'Pw-Canary-7f3a+/=',
      host: 'h',
      port: 1,
      database: 'db',
    });
    expect(parseDsn('mysql://u:pa?ss@h/db')).toMatchObject({
      password: 'pa?ss',
      host: 'h',
      database: 'db',
      ambiguous: true,
    });
    expect(parseDsn('mysql://u:p@ss@h/db')).toMatchObject({ password: 'p@ss', host: 'h', ambiguous: true });
    expect(parseDsn('mysql://etl:r@p/w@replica.internal:3306/movies')).toMatchObject({
      ambiguous: true,
      user: 'etl',
      password: 'r@p/w',
      host: 'replica.internal',
      port: 3306,
      database: 'movies',
    });
    expect(parseDsn('mysql://u:1/2@3@h/db')).toMatchObject({ password: '1/2@3', host: 'h', database: 'db' });
    expect(parseDsn('mysql://@h/db')).toEqual({ scheme: 'mysql', host: 'h', database: 'db' });
    expect(parseDsn('mysql://u:100%@h/db')).toEqual({
      scheme: 'mysql',
      user: 'u',
      password: '100%',
      rawPassword: '100%',
      host: 'h',
      database: 'db',
    });
    // `h:5432/db?application_name=a@b` may be a host with options or a user with an unencoded password:
    // flagged, and read the way that never turns a password tail into a host
    expect(parseDsn('postgres://h:5432/db?application_name=a@b')).toEqual({
      scheme: 'postgres',
      host: 'b',
      user: 'h',
      password: '5432/db?application_name=a',
      rawPassword: '5432/db?application_name=a',
      ambiguous: true,
    });
    expect(parseDsn('postgres://u:pa?ss@h/db?sslmode=require#x')).toMatchObject({
      password: 'pa?ss',
      query: 'sslmode=require',
    });
  });

  it('reports a string it cannot read because of an unencoded character in the password as ambiguous', () => {
    // the reproductions: the standard reading would split at the first `@`
    expect(parseDsn('postgresql://u:Secr3t@#VeryLongTailPart@host/db')).toMatchObject({
      password: 'Secr3t@#VeryLongTailPart',
      host: 'host',
      ambiguous: true,
    });
    expect(parseDsn('postgresql://u:q@x?TOPSECRETtail@host/db')).toMatchObject({
      password: 'q@x?TOPSECRETtail',
      host: 'host',
      ambiguous: true,
    });
    expect(parseDsn('postgresql://u:a#b@')).toBe('ambiguous');
    expect(parseDsn('postgresql://u:a%40b@host/db')).not.toHaveProperty('ambiguous');
  });

  it('reports problems without the text', () => {
    expect(parseDsn('host=h user=u')).toBe('not_a_url');
    expect(parseDsn('postgres://u:p@/db')).toBe('no_host');
    expect(parseDsn('postgres://h:70000/db')).toBe('bad_port');
    expect(parseDsn('postgres://h:abc/db')).toBe('bad_port');
  });
});
