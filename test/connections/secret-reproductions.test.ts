// Issue 8 §2 reproductions at the registry level: a short password, a password substituted unencoded
// into a DSN, and the registration of every substituted value before any parsing.
import { describe, expect, it } from 'vitest';
import { loadConnections } from '../../src/connections/load-connections.js';
import { MASK, createMasker, createSecretFinder } from '../../src/core/mask.js';
import { maskStructure } from '../../src/core/mask-structure.js';
import { findPlanSecret } from '../../src/core/find-plan-secret.js';
import type { Manifest } from '../../src/core/manifest.js';
import { catchError, createTempProject } from './temp-project.js';

const FILE = `connections:
  postgres:
    short:
      host: h
      user: u
      password: \${PW}
    short_dsn:
      dsn: postgresql://u:\${PW}@h:5432/db
    unencoded:
      dsn: postgresql://u:\${PW_LONG}@host/db
    hashy:
      dsn: postgresql://u:\${PW_TAIL}@host/db
    parts:
      dsn: postgresql://\${PG_USER}:\${PW_ENC}@\${PG_HOST}:\${PG_PORT}/\${PG_DB}?sslmode=\${MODE}
    whole:
      dsn: \${DATABASE_URL}
`;

const ENV = {
  PW: 'k9!',
  PW_LONG: 'q@x?TOPSECRETtail',
  PW_TAIL: 'Secr3t@#VeryLongTailPart',
  PW_ENC: encodeURIComponent('Pw-Canary-7f3a+/='),
  PG_USER: 'loader',
  PG_HOST: 'db.example.com',
  PG_PORT: '5432',
  PG_DB: 'warehouse',
  MODE: 'require',
  DATABASE_URL: 'postgresql://app:Whole-Url-Secret@db/wh',
};

const registry = () =>
  loadConnections({
    file: undefined,
    root: createTempProject({ 'osiris_connections.yaml': FILE }),
    env: ENV,
  });

const listed = (alias: string) =>
  registry()
    .list()
    .find((c) => c.alias === alias)?.fields ?? {};

describe('a password shorter than 4 characters', () => {
  it('is masked by key and inside the DSN wherever the config is shown', () => {
    expect(listed('short')).toMatchObject({ password: MASK });
    expect(listed('short_dsn')).toMatchObject({ dsn: `postgresql://u:${MASK}@h:5432/db`, password: MASK });
    expect(JSON.stringify(registry().list())).not.toContain('k9!');
  });

  it('is a secret of the connection, and the cleaned config of a step shows it nowhere', () => {
    const resolved = registry().resolve('postgres', 'short_dsn');
    expect(resolved.secrets).toContain('k9!');
    const cleaned = maskStructure(
      { connection: '@postgres.short_dsn', resolved_connection: resolved.fields },
      createMasker(resolved.secrets),
    );
    expect(JSON.stringify(cleaned)).not.toContain('k9!');
    expect(cleaned).toMatchObject({
      resolved_connection: { password: MASK, dsn: `postgresql://u:${MASK}@h:5432/db` },
    });
  });
});

describe('a password substituted unencoded into a DSN', () => {
  it('is refused with config_error, saying to percent-encode, showing nothing of the value', () => {
    const error = catchError(() => registry().resolve('postgres', 'unencoded'));
    expect(error.code).toBe('config_error');
    expect(error.message).toMatch(
      /field 'dsn' cannot be read unambiguously.*percent-encode.*separate fields/,
    );
    for (const part of ['q@x', 'TOPSECRET', 'tail', '@x?'])
      expect(`${error.message}\n${error.stack}`).not.toContain(part);
  });

  it('is listed with the whole password masked (no tail after the first @)', () => {
    expect(listed('unencoded')).toEqual({ dsn: `postgresql://u:${MASK}@host/db` });
    expect(listed('hashy')).toEqual({ dsn: `postgresql://u:${MASK}@host/db` });
    const text = JSON.stringify(registry().list());
    expect(text).not.toContain('TOPSECRET');
    expect(text).not.toContain('tail');
    expect(text).not.toContain('VeryLong');
  });
});

describe('variables substituted into a DSN', () => {
  it('register the full value of a password variable before parsing, not host, port, user or database', () => {
    const { secrets } = registry().resolve('postgres', 'parts');
    expect(secrets).toContain(ENV.PW_ENC);
    expect(secrets).toContain('Pw-Canary-7f3a+/=');
    // an option's value may be a secret (sslpassword=...): counted as one
    expect(secrets).toContain('require');
    for (const plain of ['loader', 'db.example.com', '5432', 'warehouse'])
      expect(secrets).not.toContain(plain);
  });

  it('register a whole DSN held in one variable', () => {
    const { secrets } = registry().resolve('postgres', 'whole');
    expect(secrets).toContain(ENV.DATABASE_URL);
    expect(secrets).toContain('Whole-Url-Secret');
  });
});

describe('manifest and cfg are verified secret-free, never rewritten', () => {
  // cast: the test needs only the fields findPlanSecret reads
  const manifest = (name: string, stepId = 'extract'): Manifest =>
    ({
      meta: { oml_version: '0.1.0', compiler_version: '0.1.0', profile: 'default' },
      pipeline: {
        id: 'p',
        name,
        fingerprints: { oml_fp: '', params_fp: '', compiler_fp: '', registry_fp: '', manifest_fp: '' },
      },
      steps: [
        {
          id: stepId,
          component: 'postgres.extractor',
          driver: 'postgres.extractor',
          mode: 'read',
          needs: [],
          cfg_path: `cfg/${stepId}.json`,
        },
      ],
    }) as unknown as Manifest;
  const cfg = (query: string) =>
    JSON.stringify({
      _component: 'postgres.extractor',
      _step: 'extract',
      connection: '@postgres.main',
      query,
    });

  it('a common-word password that is part of a component or a reference is no finding', () => {
    const f = createSecretFinder(['postgres']);
    const found = findPlanSecret(
      manifest('nightly'),
      new Map([['extract', cfg('SELECT 1')]]),
      f.contains,
      f.equals,
    );
    expect(found).toBeUndefined();
  });

  it('a secret in any form in a config value, the pipeline name or as a step id is found, by place only', () => {
    const f = createSecretFinder(['Pw-Canary-7f3a']);
    const query = new Map([['extract', cfg(`SELECT '${encodeURIComponent('Pw-Canary-7f3a')}'`)]]);
    expect(findPlanSecret(manifest('nightly'), query, f.contains, f.equals)).toEqual({
      file: 'cfg/extract.json',
      path: 'query',
    });
    const clean = new Map([['extract', cfg('SELECT 1')]]);
    expect(findPlanSecret(manifest('x Pw-Canary-7f3a'), clean, f.contains, f.equals)).toEqual({
      file: 'manifest.yaml',
      path: 'pipeline.name',
    });
    const g = createSecretFinder(['extract']);
    expect(findPlanSecret(manifest('n'), clean, g.contains, g.equals)).toEqual({
      file: 'manifest.yaml',
      path: 'steps.extract.id',
    });
  });
});
