import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConnections } from '../../src/connections/load-connections.js';
import { catchError, createTempProject } from './temp-project.js';

const MYSQL_FILE = `connections:
  mysql:
    db_movies:
      host: \${MYSQL_HOST:-localhost}
      port: \${MYSQL_PORT:-3306}
      user: \${MYSQL_USER}
      password: \${MYSQL_PASSWORD}
      database: movies
`;

describe('loadConnections: where the file comes from', () => {
  it('reads osiris_connections.yaml from cwd by default', () => {
    const cwd = createTempProject({ 'osiris_connections.yaml': MYSQL_FILE });
    const registry = loadConnections({
      file: undefined,
      root: cwd,
      env: { MYSQL_USER: 'u', MYSQL_PASSWORD: 'pw-1234' },
    });
    expect(registry.file).toBe(join(cwd, 'osiris_connections.yaml'));
    expect(registry.resolve('mysql', 'db_movies').fields).toEqual({
      host: 'localhost',
      port: 3306,
      user: 'u',
      password: 'pw-1234',
      database: 'movies',
    });
  });

  it('prefers --connections over OSIRIS_CONNECTIONS over the default file', () => {
    const fs = (alias: string): string =>
      `connections:\n  filesystem:\n    ${alias}:\n      base_dir: /data\n`;
    const cwd = createTempProject({
      'osiris_connections.yaml': fs('from_default'),
      'env.yaml': fs('from_env'),
    });
    mkdirSync(join(cwd, 'conf'));
    const flagFile = join('conf', 'flag.yaml');
    const env = { OSIRIS_CONNECTIONS: 'env.yaml' };
    const aliases = (file: string | undefined, e: Record<string, string>): string[] =>
      loadConnections({ file, root: cwd, env: e })
        .list()
        .map((c) => c.alias);
    expect(aliases(undefined, {})).toEqual(['from_default']);
    expect(aliases(undefined, env)).toEqual(['from_env']);
    expect(loadConnections({ file: undefined, root: cwd, env }).file).toBe(join(cwd, 'env.yaml'));
    // An explicit file that does not exist is not replaced by another one.
    const missing = loadConnections({ file: flagFile, root: cwd, env });
    expect(missing.file).toBeUndefined();
    expect(missing.list()).toEqual([]);
    expect(catchError(() => missing.resolve('mysql', 'db_movies')).message).toBe(
      `connection @mysql.db_movies is needed but no connections file exists: looked for ${join(cwd, flagFile)} (given with --connections)`,
    );
  });

  it('says which file it looked for when none exists', () => {
    const cwd = createTempProject();
    const registry = loadConnections({ file: undefined, root: cwd, env: {} });
    expect(registry.file).toBeUndefined();
    expect(registry.lookedFor).toEqual([join(cwd, 'osiris_connections.yaml')]);
    const error = catchError(() => registry.resolve('postgres', undefined));
    expect(error.code).toBe('connection_error');
    expect(error.message).toBe(
      `a default postgres connection is needed but no connections file exists: looked for ${join(cwd, 'osiris_connections.yaml')} (pass --connections FILE, set OSIRIS_CONNECTIONS, or create osiris_connections.yaml in ${cwd})`,
    );
    const fromEnv = loadConnections({
      file: undefined,
      root: cwd,
      env: { OSIRIS_CONNECTIONS: '/nowhere/c.yaml' },
    });
    expect(catchError(() => fromEnv.resolve('mysql', 'a')).message).toBe(
      'connection @mysql.a is needed but no connections file exists: looked for /nowhere/c.yaml (from OSIRIS_CONNECTIONS)',
    );
  });

  it('fails with io_error when the path is a directory', () => {
    const cwd = createTempProject();
    mkdirSync(join(cwd, 'osiris_connections.yaml'));
    const error = catchError(() => loadConnections({ file: undefined, root: cwd, env: {} }));
    expect(error.code).toBe('io_error');
    expect(error.message).toBe(
      `cannot read connections file ${join(cwd, 'osiris_connections.yaml')} (EISDIR)`,
    );
  });
});

describe('loadConnections: .env and variables', () => {
  it('reads .env from cwd and never lets it override the environment', () => {
    const cwd = createTempProject({
      'osiris_connections.yaml': MYSQL_FILE,
      '.env': 'MYSQL_USER=from_dotenv\nMYSQL_PASSWORD=dotenv-pw\nMYSQL_HOST=dotenv-host\n',
    });
    const registry = loadConnections({
      file: undefined,
      root: cwd,
      env: { MYSQL_USER: 'from_env', MYSQL_HOST: '' },
    });
    expect(registry.resolve('mysql', 'db_movies').fields).toEqual({
      // Set-but-empty in the environment still wins over .env; `:-` then falls back to the default.
      host: 'localhost',
      port: 3306,
      user: 'from_env',
      password: 'dotenv-pw',
      database: 'movies',
    });
  });

  it('uses the ${VAR:-default} default only when the variable is unset or empty', () => {
    const cwd = createTempProject({ 'osiris_connections.yaml': MYSQL_FILE });
    const env = { MYSQL_USER: 'u', MYSQL_PASSWORD: 'x', MYSQL_HOST: 'db.internal', MYSQL_PORT: '3307' };
    expect(
      loadConnections({ file: undefined, root: cwd, env }).resolve('mysql', 'db_movies').fields,
    ).toMatchObject({
      host: 'db.internal',
      port: 3307,
    });
  });

  it('fails at resolve time, not load time, when a variable is missing', () => {
    const cwd = createTempProject({ 'osiris_connections.yaml': MYSQL_FILE, '.env': 'MYSQL_USER=u\n' });
    const registry = loadConnections({ file: undefined, root: cwd, env: {} });
    const error = catchError(() => registry.resolve('mysql', 'db_movies'));
    expect(error.code).toBe('connection_error');
    expect(error.message).toBe(
      "connection @mysql.db_movies: field 'password' needs environment variable MYSQL_PASSWORD, which is not set (set it in the environment or in .env)",
    );
    expect(registry.list()).toEqual([
      {
        family: 'mysql',
        alias: 'db_movies',
        default: false,
        // not ***MASKED***: that would read as "set"
        fields: {
          host: 'localhost',
          port: 3306,
          user: 'u',
          password: '<unset: MYSQL_PASSWORD>',
          database: 'movies',
        },
        missing: ['MYSQL_PASSWORD'],
      },
    ]);
  });

  it('shows unset non-secret variables as their ${VAR} text in list()', () => {
    const cwd = createTempProject({
      'osiris_connections.yaml':
        'connections:\n  postgres:\n    wh:\n      host: ${PG_HOST}\n      port: ${PG_PORT}\n',
    });
    expect(loadConnections({ file: undefined, root: cwd, env: {} }).list()[0]).toEqual({
      family: 'postgres',
      alias: 'wh',
      default: false,
      fields: { host: '${PG_HOST}', port: '${PG_PORT}' },
      missing: ['PG_HOST', 'PG_PORT'],
    });
  });

  it('keeps $$ as a literal $ and a lone $ as is', () => {
    const cwd = createTempProject({
      'osiris_connections.yaml':
        'connections:\n  mysql:\n    a:\n      host: h\n      password: "pa$word-$${NOT_A_VAR}$$"\n',
    });
    const resolved = loadConnections({ file: undefined, root: cwd, env: {} }).resolve('mysql', 'a');
    expect(resolved.fields.password).toBe('pa$word-${NOT_A_VAR}$');
    expect(resolved.secrets).toEqual(['pa$word-${NOT_A_VAR}$']);
  });

  it('refuses a malformed .env with its path and line', () => {
    const cwd = createTempProject({
      'osiris_connections.yaml': MYSQL_FILE,
      '.env': 'A=1\n\nnot an assignment\n',
    });
    const error = catchError(() => loadConnections({ file: undefined, root: cwd, env: {} }));
    expect(error.code).toBe('config_error');
    expect(error.message).toBe(`${join(cwd, '.env')}:3:1: expected KEY=value (KEY of letters, digits and _)`);
  });
});
