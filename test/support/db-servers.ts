// Ephemeral MariaDB and PostgreSQL servers for tests: own data dirs under one temp dir, free ports,
// real password auth with distinctive canary passwords, the movies data loaded. Started once per
// vitest run by test/support/global-db-setup.ts; tests read the connection info with readDbServers().
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');

/**
 * Canary passwords: distinctive, so a leak is unmistakable, and full of characters that change form
 * when URL-encoded (`+ / = # & "`), JSON-escaped (`"`) or base64-encoded.
 */
export const MARIADB_CANARY_PASSWORD = 'Maria-Canary-9f2b+/=x';
export const POSTGRES_CANARY_PASSWORD = 'Pg-Canary-41d7#Zq&"w/+';

/** How to reach one test server. */
export interface DbServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Default database (`etl`); MariaDB also has `movies`, PostgreSQL has schema `movies` in `etl`. */
  database: string;
  /** Unix socket (MariaDB) or socket directory (PostgreSQL) for the admin clients. */
  socket: string;
  /** The server's self-signed TLS certificate (for localhost and 127.0.0.1). */
  sslCert?: string;
}

/** Both servers, or why they could not start (tests then fail with this message, never skip). */
export interface DbServers {
  mariadb?: DbServer;
  postgres?: DbServer;
  /** Set when a server could not start: names the install command. */
  error?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by test/support/global-db-setup.ts. */
    dbServers: DbServers;
  }
}

/** A running pair of servers and how to stop it. */
export interface RunningDbServers {
  info: DbServers;
  stop(): Promise<void>;
}

function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function parseEnvLines(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1] as string] = m[2] as string;
  }
  return env;
}

const INSTALL_HINT =
  'install the servers: sudo apt-get install -y --no-install-recommends mariadb-server mariadb-client postgresql postgresql-client ' +
  '(or run the tests as root: test/support/start-*.sh install them)';

async function startOne(
  script: string,
  dir: string,
  env: Record<string, string>,
): Promise<Record<string, string>> {
  let lastError: unknown;
  // A free port can be taken between the probe and the server's bind: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await findFreePort();
    try {
      const { stdout } = await run('bash', [join(HERE, script), 'start', dir, String(port)], {
        env: { ...process.env, ...env },
        timeout: 300_000,
      });
      return parseEnvLines(stdout);
    } catch (error) {
      lastError = error;
      const stderr = String((error as { stderr?: unknown }).stderr ?? '');
      if (!/already in use/.test(stderr)) break;
    }
  }
  const stderr = String(
    (lastError as { stderr?: unknown }).stderr ?? (lastError as Error).message ?? lastError,
  );
  throw new Error(`${script} failed: ${stderr.trim().split('\n').slice(-5).join(' | ')}\n${INSTALL_HINT}`);
}

/** The newest installed PostgreSQL bin dir (Debian keeps the versioned client there; /usr/bin/psql is a wrapper). */
export function findPostgresBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return versions.length ? join(base, versions[0] as string, 'bin') : '/usr/bin';
}

async function loadMovies(mariadb: DbServer, postgres: DbServer): Promise<void> {
  const fixtures = join(ROOT, 'test', 'fixtures', 'movies');
  await run(
    'bash',
    ['-c', 'mariadb --no-defaults --default-character-set=utf8mb4 --socket="$SOCK" -uroot < "$FILE"'],
    {
      env: {
        ...process.env,
        MYSQL_PWD: mariadb.password,
        SOCK: mariadb.socket,
        FILE: join(fixtures, 'mysql.sql'),
      },
    },
  );
  const psql = join(findPostgresBin(), 'psql');
  await run(
    psql,
    [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      postgres.socket,
      '-p',
      String(postgres.port),
      '-U',
      'postgres',
      '-d',
      'etl',
      '-f',
      join(fixtures, 'postgres.sql'),
    ],
    {
      env: { ...process.env, PGOPTIONS: '--client-min-messages=warning' },
    },
  );
}

/** Start both servers (in parallel) under a fresh temp dir and load the movies data. Never throws: failures go into `info.error`. */
export async function startDbServers(): Promise<RunningDbServers> {
  const root = mkdtempSync(join(tmpdir(), 'osiris-db-'));
  // PostgreSQL runs as the `postgres` OS user when we are root: it must be able to enter the dir.
  chmodSync(root, 0o755);
  const mariadbDir = join(root, 'mariadb');
  const postgresDir = join(root, 'postgres');
  const stop = async (): Promise<void> => {
    await Promise.allSettled([
      run('bash', [join(HERE, 'start-mariadb.sh'), 'destroy', mariadbDir]),
      run('bash', [join(HERE, 'start-postgres.sh'), 'destroy', postgresDir]),
    ]);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const [m, p] = await Promise.all([
      startOne('start-mariadb.sh', mariadbDir, {
        MARIADB_PASSWORD: MARIADB_CANARY_PASSWORD,
        MARIADB_DATABASE: 'etl',
      }),
      startOne('start-postgres.sh', postgresDir, {
        POSTGRES_PASSWORD: POSTGRES_CANARY_PASSWORD,
        POSTGRES_DATABASE: 'etl',
      }),
    ]);
    const mariadb: DbServer = {
      host: '127.0.0.1',
      port: Number(m.MYSQL_PORT),
      user: 'root',
      password: MARIADB_CANARY_PASSWORD,
      database: 'etl',
      socket: m.MYSQL_SOCKET ?? '',
      sslCert: m.MYSQL_SSL_CERT,
    };
    const postgres: DbServer = {
      host: '127.0.0.1',
      port: Number(p.PGPORT),
      user: 'postgres',
      password: POSTGRES_CANARY_PASSWORD,
      database: 'etl',
      socket: p.PG_SOCKET_DIR ?? '',
      sslCert: p.PG_SSL_CERT,
    };
    await loadMovies(mariadb, postgres);
    return { info: { mariadb, postgres }, stop };
  } catch (error) {
    return { info: { error: (error as Error).message }, stop };
  }
}
