import { describe, expect, it } from 'vitest';
import { isSecretKey } from '../../src/core/is-secret-key.js';
import { maskConfig, maskConnectionStrings } from '../../src/connections/mask-config.js';
import { createMasker, MASK } from '../../src/core/mask.js';

const noMask = createMasker([]);

describe('isSecretKey', () => {
  it.each([
    'password',
    'PASSWORD',
    'passwd',
    'pwd',
    'secret',
    'token',
    'api_key',
    'apiKey',
    'apikey',
    'access_key',
    'private_key',
    'privateKey',
    'service_role_key',
    'serviceRoleKey',
    'db_password',
    'client_secret',
    'clientSecret',
    'refresh_token',
    'aws_secret_access_key',
    'X-Api-Key',
  ])('%s is secret', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each([
    'host',
    'user',
    'primary_key',
    'sort_key',
    'max_tokens',
    'password_file_path',
    'tokenizer',
    'dsn',
    'url',
  ])('%s is not secret', (key) => {
    expect(isSecretKey(key)).toBe(false);
  });
});

describe('maskConfig', () => {
  it('masks secret keys at any depth and in arrays, and leaves the input untouched', () => {
    const input = {
      query: 'SELECT 1',
      connection: '@mysql.db',
      password: 'p1-secret',
      nested: { deeper: { api_key: 'k-123456', keep: 'visible' }, list: [{ token: 't-abcdef', n: 1 }] },
      primary_key: ['id'],
      empty: null,
    };
    const copy = JSON.parse(JSON.stringify(input));
    expect(maskConfig(input, [], noMask)).toEqual({
      query: 'SELECT 1',
      connection: '@mysql.db',
      password: MASK,
      nested: { deeper: { api_key: MASK, keep: 'visible' }, list: [{ token: MASK, n: 1 }] },
      primary_key: ['id'],
      empty: null,
    });
    expect(input).toEqual(copy);
  });

  it('masks the given keys: plain names at any depth, dotted paths from the root', () => {
    const value = { auth: { header: 'h-value-1' }, other: { header: 'h-value-2' }, x: { sig: 'abcd' } };
    expect(maskConfig(value, ['auth.header', 'sig'], noMask)).toEqual({
      auth: { header: MASK },
      other: { header: 'h-value-2' },
      x: { sig: MASK },
    });
  });

  it('masks a secret key whatever its value type, but keeps null', () => {
    expect(maskConfig({ password: 1234, token: { a: 1 }, secret: null }, [], noMask)).toEqual({
      password: MASK,
      token: MASK,
      secret: null,
    });
  });

  it('masks passwords inside DSNs and URLs at any depth', () => {
    const value = {
      dsn: 'postgres://app:s3cr%2Fet@db:5432/wh?sslmode=require',
      deep: [{ url: 'mysql://root:raw/pass?word@h/db' }, 'mysql://etl:r@p/w@replica:3306/m'],
      text: 'connect with host=h user=u password=abc123 dbname=x',
      odbc: 'Server=h;Uid=u;Pwd=abc123;',
      userOnly: 'postgres://app@db/wh',
      plain: 'https://example.com/a?b=c',
      atInQuery: 'postgres://h:5432/db?application_name=a@b',
    };
    expect(maskConfig(value, [], noMask)).toEqual({
      dsn: `postgres://app:${MASK}@db:5432/wh?sslmode=require`,
      deep: [{ url: `mysql://root:${MASK}@h/db` }, `mysql://etl:${MASK}@replica:3306/m`],
      text: `connect with host=h user=u password=${MASK} dbname=x`,
      odbc: `Server=h;Uid=u;Pwd=${MASK};`,
      userOnly: 'postgres://app@db/wh',
      plain: 'https://example.com/a?b=c',
      // ambiguous (a user `h` with an unencoded password reads the same): masked up to the last `@`
      atInQuery: `postgres://h:${MASK}@b`,
    });
  });

  it('runs the masker over every string, so a secret under an innocent key disappears', () => {
    const mask = createMasker(['Hunter-2024']);
    expect(maskConfig({ query: "SELECT 'Hunter-2024'", tags: ['x Hunter-2024 y'] }, [], mask)).toEqual({
      query: `SELECT '${MASK}'`,
      tags: [`x ${MASK} y`],
    });
  });

  it('keeps a __proto__ key as data', () => {
    const value = JSON.parse('{"__proto__": {"password": "abcdef"}}') as unknown;
    const masked = maskConfig(value, [], noMask) as Record<string, unknown>;
    expect(Object.getPrototypeOf(masked)).toBe(Object.prototype);
    expect(JSON.stringify(masked)).toBe(`{"__proto__":{"password":"${MASK}"}}`);
  });
});

describe('maskConnectionStrings', () => {
  it('leaves SQL comparisons alone and does not mask twice', () => {
    expect(maskConnectionStrings("WHERE password = 'x'")).toBe("WHERE password = 'x'");
    const once = maskConnectionStrings('postgres://u:pw@h/db');
    expect(maskConnectionStrings(once)).toBe(once);
  });
});
