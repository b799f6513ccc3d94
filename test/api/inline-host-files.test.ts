// inlineHostFiles (what a remote run sends for CA files named by path) and the drivers reading the
// carried text instead of the sandbox's disk.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTempDir } from '../support/temp-dirs.js';
import { describe, expect, it } from 'vitest';
import { inlineHostFiles } from '../../src/remote/inline-host-files.js';
import type { ResolvedConnection } from '../../src/core/index.js';
import { HOST_FILE_FIELDS } from '../../src/core/index.js';
import { TLS_FIELDS } from '../../src/drivers/index.js';
import { readDatabaseEndpoint } from '../../src/drivers/sql/database-endpoint.js';
import { planMysqlConnection } from '../../src/drivers/mysql/plan-mysql-connection.js';
import { planPostgresConnection } from '../../src/drivers/postgres/plan-postgres-connection.js';

// A real certificate (self-signed, its key thrown away): the drivers refuse PEM text that does not parse.
const PEM = [
  '-----BEGIN CERTIFICATE-----',
  'MIIBiDCCAS+gAwIBAgIUNuGjDQ1mt7sGgf5fIIOl645DL/8wCgYIKoZIzj0EAwIw',
  'GTEXMBUGA1UEAwwOb3NpcmlzLXRlc3QtY2EwIBcNMjYxMjA1MjAyMTUwWhgPMjEy',
  'NjExMTEyMDIxNTBaMBkxFzAVBgNVBAMMDm9zaXJpcy10ZXN0LWNhMFkwEwYHKoZI',
  'zj0CAQYIKoZIzj0DAQcDQgAE20rmOenMPBZxsf8F17mOujrKw1iy96zx6ZPiWQKg',
  'uIUxFUDi/mDUrESE1RHm2XRlbJUp3rz6Z3q+z8JfZYnPJ6NTMFEwHQYDVR0OBBYE',
  'FBcTzoMk/OmAbde1YsMEi78Ed8UUMB8GA1UdIwQYMBaAFBcTzoMk/OmAbde1YsME',
  'i78Ed8UUMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgTSuKX0Ox',
  'y8pXI5YVUpl0gvHUVonu2MxIQcQxB4d6PgoCIEexVk8Uxko5M0jXt0lCw8s0D4Fz',
  '+60RNvVyHylsyHsd',
  '-----END CERTIFICATE-----',
  '',
].join('\n');

const connection = (family: string, fields: Record<string, unknown>): ResolvedConnection => ({
  family,
  alias: 'a',
  fields: { host: 'db.example.com', user: 'u', password: 'pw', database: 'd', ...fields },
  secrets: ['pw'],
});

describe('inlineHostFiles', () => {
  it('carries the text of a CA file named by absolute path and keeps the path in the fields', () => {
    const path = join(createTempDir('osiris-ca-'), 'ca.pem');
    writeFileSync(path, PEM);
    const original = connection('postgres', { sslmode: 'verify-full', sslrootcert: path });
    const sent = inlineHostFiles(original);
    expect(sent.files).toEqual({ [path]: PEM });
    expect(sent.fields).toEqual(original.fields);
    expect(original.files).toBeUndefined();
  });

  it('leaves PEM text, relative paths and missing files as they were', () => {
    for (const ca of [PEM, 'ca.pem', '/nonexistent/ca.pem']) {
      const original = connection('mysql', { ssl_mode: 'VERIFY_CA', ssl_ca: ca });
      expect(inlineHostFiles(original)).toBe(original);
    }
  });

  it('covers the CA field of every database family', () => {
    expect([...HOST_FILE_FIELDS].sort()).toEqual(
      Object.values(TLS_FIELDS)
        .map((f) => f.ca)
        .sort(),
    );
  });

  it('the drivers use the carried text where the file does not exist', () => {
    const files = { '/host/only/ca.pem': PEM };
    const pg = readDatabaseEndpoint(
      { ...connection('postgres', { sslmode: 'verify-ca', sslrootcert: '/host/only/ca.pem' }), files },
      'step s',
    );
    expect(planPostgresConnection(pg).ssl).toMatchObject({ ca: PEM, rejectUnauthorized: true });
    const my = readDatabaseEndpoint(
      { ...connection('mysql', { ssl_mode: 'VERIFY_CA', ssl_ca: '/host/only/ca.pem' }), files },
      'step s',
    );
    expect(planMysqlConnection(my)).toMatchObject({ ca: PEM, verifyChain: true, verifyHost: false });
  });
});
