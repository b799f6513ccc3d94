import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConnections } from '../../src/connections/load-connections.js';
import type { ConnectionsRegistry } from '../../src/connections/create-connections-registry.js';
import { catchError, createTempProject } from './temp-project.js';

/** Write `yaml` as osiris_connections.yaml in a fresh directory and load it. */
function load(
  yaml: string,
  env: Record<string, string> = {},
): { registry: ConnectionsRegistry; file: string } {
  const cwd = createTempProject({ 'osiris_connections.yaml': yaml });
  const file = join(cwd, 'osiris_connections.yaml');
  return { registry: loadConnections({ file: undefined, root: cwd, env }), file };
}

/** The message of the error loading `yaml` throws, with the temp file path replaced by `FILE`. */
function loadError(yaml: string): string {
  const cwd = createTempProject({ 'osiris_connections.yaml': yaml });
  const error = catchError(() => loadConnections({ file: undefined, root: cwd, env: {} }));
  expect(error.code).toBe('config_error');
  return error.message.split(join(cwd, 'osiris_connections.yaml')).join('FILE');
}

describe('default selection', () => {
  const file = `connections:
  mysql:
    replica: {host: r}
    primary: {host: p, default: true}
    default: {host: d}
  postgres:
    default: {host: pd}
    other: {host: po}
  supabase:
    one: {url: https://a.supabase.co}
    two: {url: https://b.supabase.co}
`;

  it('picks default: true, else the alias named default', () => {
    const { registry } = load(file);
    expect(registry.resolve('mysql', undefined).alias).toBe('primary');
    expect(registry.resolve('postgres', undefined).alias).toBe('default');
    expect(registry.resolve('mysql', 'default').fields).toEqual({ host: 'd' });
    expect(registry.list().map((c) => `${c.family}.${c.alias}:${c.default}`)).toEqual([
      'mysql.replica:false',
      'mysql.primary:true',
      'mysql.default:false',
      'postgres.default:true',
      'postgres.other:false',
      'supabase.one:false',
      'supabase.two:false',
    ]);
  });

  it('lists the aliases when there is no default', () => {
    const { registry, file: path } = load(file);
    const error = catchError(() => registry.resolve('supabase', undefined));
    expect(error.code).toBe('connection_error');
    expect(error.message).toBe(
      `no default supabase connection in ${path}: mark one alias with default: true or name it 'default' (aliases: one, two), or reference one as @supabase.<alias>`,
    );
  });

  it('refuses two aliases marked default, at the second one', () => {
    expect(
      loadError(
        'connections:\n  mysql:\n    a:\n      host: h\n      default: true\n    b:\n      default: true\n      host: h\n',
      ),
    ).toBe('FILE:7:7: connections.mysql: more than one alias is marked default: true (a, b); mark only one');
  });

  it('refuses a default that is not a boolean', () => {
    expect(loadError('connections:\n  mysql:\n    a:\n      host: h\n      default: yes\n')).toBe(
      "FILE:5:16: connection @mysql.a: field 'default' must be true or false",
    );
  });
});

describe('lookup errors list what exists', () => {
  const yaml =
    'connections:\n  mysql:\n    db_movies: {host: h}\n    default: {host: h}\n  filesystem:\n    out: {base_dir: ./out}\n';

  it('unknown alias', () => {
    const { registry, file } = load(yaml);
    expect(catchError(() => registry.resolve('mysql', 'db_film')).message).toBe(
      `connection @mysql.db_film not found in ${file}; mysql aliases: db_movies, default`,
    );
  });

  it('unknown family in a reference', () => {
    const { registry } = load(yaml);
    const error = catchError(() => registry.resolve('oracle', 'x'));
    expect(error.code).toBe('connection_error');
    expect(error.message).toBe(
      "unknown connection family 'oracle' in connection @oracle.x; expected one of: mysql, postgres, supabase, filesystem",
    );
  });

  it('known family absent from the file', () => {
    const { registry, file } = load(yaml);
    expect(catchError(() => registry.resolve('postgres', 'wh')).message).toBe(
      `connection @postgres.wh is needed but ${file} has no postgres connections (families in the file: mysql, filesystem)`,
    );
  });
});

describe('file errors carry file:line:col and what was expected', () => {
  it('unknown family', () => {
    expect(loadError('connections:\n  oracle:\n    x: {host: h}\n')).toBe(
      "FILE:2:3: unknown connection family 'oracle'; expected one of: mysql, postgres, supabase, filesystem",
    );
  });

  it('unknown field', () => {
    expect(loadError('connections:\n  mysql:\n    db_movies:\n      host: h\n      hostname: h\n')).toBe(
      "FILE:5:7: connection @mysql.db_movies: unknown field 'hostname'; expected one of: default, host, port, user, password, database, dsn, ssl_mode, ssl_ca",
    );
    expect(loadError('connections:\n  filesystem:\n    out:\n      base_dir: .\n      host: h\n')).toBe(
      "FILE:5:7: connection @filesystem.out: unknown field 'host'; expected one of: default, base_dir",
    );
  });

  it('a literal port out of range, and a port that is not a number', () => {
    expect(loadError('connections:\n  postgres:\n    a:\n      host: h\n      port: 70000\n')).toBe(
      "FILE:5:13: connection @postgres.a: field 'port' must be an integer from 1 to 65535",
    );
    expect(loadError('connections:\n  postgres:\n    a:\n      host: h\n      port: "54x"\n')).toBe(
      "FILE:5:13: connection @postgres.a: field 'port' must be an integer from 1 to 65535",
    );
  });

  it('a dsn together with host fields', () => {
    expect(
      loadError(
        'connections:\n  postgres:\n    a:\n      dsn: postgres://u@h/db\n      host: h\n      user: u\n',
      ),
    ).toBe(
      "FILE:4:7: connection @postgres.a: 'dsn' cannot be combined with host, user; give either dsn or host, port, user, password, database",
    );
  });

  it('a connection without its required field', () => {
    expect(loadError('connections:\n  mysql:\n    a:\n      user: u\n')).toBe(
      'FILE:3:5: connection @mysql.a: needs one of these fields: host, dsn',
    );
  });

  it('malformed YAML with line:col and without the source line', () => {
    const message = loadError(
      'connections:\n  mysql:\n    a:\n      host: h\n      password: Pw-Canary: nested\n',
    );
    // in words, and never quoting the value (it may be a literal password)
    expect(message).toBe(
      `FILE:5:17: invalid YAML: ': ' inside an unquoted value of 'password' (quote the whole value, e.g. password: "…")`,
    );
    expect(message).not.toMatch(/Canary|nested/);
    expect(loadError('connections:\n  mysql:\n    a: {host: h\n')).toBe(
      "FILE:3:8: invalid YAML: unclosed '{': the mapping that starts here has no closing '}' (close it, or indent its continuation lines deeper than its key)",
    );
    expect(loadError('connections:\n  mysql:\n    a:\n      host: h\n      host: i\n')).toBe(
      "FILE:5:7: invalid YAML: duplicate key 'host' (each key may appear once in a mapping)",
    );
    // a password starting with '!' reads as a YAML tag: said, without the password
    const tagged = loadError('connections:\n  mysql:\n    a:\n      host: h\n      password: !Pw-Canary\n');
    expect(tagged).toMatch(/^FILE:5:17: invalid YAML: a value starting with '!' reads as a YAML tag/);
    expect(tagged).not.toContain('Canary');
  });

  it('a broken ${ reference', () => {
    expect(loadError('connections:\n  mysql:\n    a:\n      host: h\n      password: "x${OPEN"\n')).toBe(
      "FILE:5:17: connection @mysql.a: field 'password' has '${' without a closing '}' (write '$$' for a literal '$')",
    );
    expect(loadError('connections:\n  mysql:\n    a:\n      host: ${1BAD}\n')).toBe(
      "FILE:4:13: connection @mysql.a: field 'host' has an invalid variable reference; expected ${NAME} or ${NAME:-default}, NAME of letters, digits and _",
    );
  });

  it('lists every problem in file order, not only the first', () => {
    expect(loadError('connections:\n  mysql:\n    a:\n      hots: h\n  oracle: {}\n')).toBe(
      [
        'FILE:3:5: connection @mysql.a: needs one of these fields: host, dsn',
        "FILE:4:7: connection @mysql.a: unknown field 'hots'; expected one of: default, host, port, user, password, database, dsn, ssl_mode, ssl_ca",
        "FILE:5:3: unknown connection family 'oracle'; expected one of: mysql, postgres, supabase, filesystem",
      ].join('\n'),
    );
  });

  it('shape problems', () => {
    expect(loadError('- a\n')).toBe("FILE:1:1: expected a mapping with a 'connections' key");
    expect(loadError('conections: {}\n')).toBe(
      "FILE:1:1: unknown top-level key 'conections'; expected one of: connections, version",
    );
    expect(loadError('connections:\n  mysql:\n    a: h\n')).toBe(
      'FILE:3:8: connection @mysql.a must be a mapping of fields',
    );
    expect(loadError('connections:\n  mysql:\n    a:\n      host: [a, b]\n')).toBe(
      "FILE:4:13: connection @mysql.a: field 'host' must be a single value, not a mapping or list",
    );
  });

  it('accepts an empty file and version: 1', () => {
    expect(load('').registry.list()).toEqual([]);
    expect(load('version: 1\nconnections:\n').registry.list()).toEqual([]);
  });
});

describe('resolved fields', () => {
  it('a port from a variable must be an integer after substitution', () => {
    const { registry } = load('connections:\n  mysql:\n    a:\n      host: h\n      port: ${DB_PORT}\n', {
      DB_PORT: '0',
    });
    const error = catchError(() => registry.resolve('mysql', 'a'));
    expect(error.code).toBe('connection_error');
    expect(error.message).toBe(
      "connection @mysql.a: field 'port' must be an integer from 1 to 65535 after substituting ${DB_PORT}",
    );
  });

  it('keeps literal text exactly (no YAML number or boolean conversion)', () => {
    const { registry } = load(
      'connections:\n  mysql:\n    a:\n      host: h\n      user: 0012\n      password: 1e3\n      database: true\n',
    );
    expect(registry.resolve('mysql', 'a').fields).toEqual({
      host: 'h',
      user: '0012',
      password: '1e3',
      database: 'true',
    });
  });

  it('exposes a DSN and its parsed parts, with both password forms as secrets', () => {
    const { registry } = load(
      'connections:\n  postgres:\n    wh:\n      dsn: postgresql://etl:${PG_PASSWORD}@db.example.com:6543/ware%5Fhouse?sslmode=require\n',
      { PG_PASSWORD: 'a%2Fb%40c' },
    );
    expect(registry.resolve('postgres', 'wh')).toEqual({
      family: 'postgres',
      alias: 'wh',
      fields: {
        dsn: 'postgresql://etl:a%2Fb%40c@db.example.com:6543/ware%5Fhouse?sslmode=require',
        host: 'db.example.com',
        port: 6543,
        user: 'etl',
        password: 'a/b@c',
        database: 'ware_house',
      },
      secrets: ['a%2Fb%40c', 'a/b@c'],
      options: [['sslmode', 'require']],
    });
  });

  it('refuses a DSN of another family, without echoing it', () => {
    const { registry } = load('connections:\n  mysql:\n    a:\n      dsn: postgres://u:Secret-Pw-1@h/db\n');
    const error = catchError(() => registry.resolve('mysql', 'a'));
    expect(error.message).toBe(
      "connection @mysql.a: field 'dsn' must be a connection string of the form mysql://user:password@host:port/database (scheme mysql or mariadb)",
    );
  });

  it('supabase: url, service_role_key and host fields; secrets are the key and the password', () => {
    const { registry } = load(
      'connections:\n  supabase:\n    default:\n      url: https://abc.supabase.co\n      service_role_key: ${SB_KEY}\n      host: db.abc.supabase.co\n      password: ${SB_PW}\n',
      { SB_KEY: 'eyJ-service-role', SB_PW: 'sb-pass-1' },
    );
    const resolved = registry.resolve('supabase', undefined);
    expect(resolved.fields).toEqual({
      url: 'https://abc.supabase.co',
      service_role_key: 'eyJ-service-role',
      host: 'db.abc.supabase.co',
      password: 'sb-pass-1',
    });
    expect(resolved.secrets.sort()).toEqual(['eyJ-service-role', 'sb-pass-1']);
  });

  it('filesystem: base_dir kept as written after substitution', () => {
    const { registry } = load(
      'connections:\n  filesystem:\n    default:\n      base_dir: ${DATA:-./data}/out\n',
    );
    expect(registry.resolve('filesystem', undefined)).toEqual({
      family: 'filesystem',
      alias: 'default',
      fields: { base_dir: './data/out' },
      secrets: [],
    });
  });
});
