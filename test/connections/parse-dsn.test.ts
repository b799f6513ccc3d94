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
  });

  it('accepts unencoded special characters in the password where unambiguous', () => {
    expect(parseDsn('postgres://u:Pw-Canary-7f3a+/=@h:1/db')).toMatchObject({
      user: 'u',
      password: 'Pw-Canary-7f3a+/=',
      host: 'h',
      port: 1,
      database: 'db',
    });
    expect(parseDsn('mysql://u:pa?ss@h/db')).toMatchObject({ password: 'pa?ss', host: 'h', database: 'db' });
    expect(parseDsn('mysql://u:p@ss@h/db')).toMatchObject({ password: 'p@ss', host: 'h' });
    expect(parseDsn('mysql://etl:r@p/w@replica.internal:3306/movies')).toMatchObject({
      user: 'etl',
      password: 'r@p/w',
      host: 'replica.internal',
      port: 3306,
      database: 'movies',
    });
    expect(parseDsn('mysql://u:1/2@3@h/db')).toMatchObject({ password: '1/2@3', host: 'h', database: 'db' });
    expect(parseDsn('mysql://@h/db')).toEqual({ scheme: 'mysql', host: 'h', database: 'db' });
    expect(parseDsn('mysql://u:100%@h/db')).toMatchObject({ password: '100%', rawPassword: '100%' });
    // An @ in the query string is not userinfo.
    expect(parseDsn('postgres://h:5432/db?application_name=a@b')).toEqual({
      scheme: 'postgres',
      host: 'h',
      port: 5432,
      database: 'db',
      query: 'application_name=a@b',
    });
    expect(parseDsn('postgres://u:pa?ss@h/db?sslmode=require#x')).toMatchObject({
      password: 'pa?ss',
      query: 'sslmode=require',
    });
  });

  it('reports problems without the text', () => {
    expect(parseDsn('host=h user=u')).toBe('not_a_url');
    expect(parseDsn('postgres://u:p@/db')).toBe('no_host');
    expect(parseDsn('postgres://h:70000/db')).toBe('bad_port');
    expect(parseDsn('postgres://h:abc/db')).toBe('bad_port');
  });
});
