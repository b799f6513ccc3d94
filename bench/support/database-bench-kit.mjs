// Shared by database bench cases: start/stop the ephemeral MariaDB and PostgreSQL servers
// (test/support/start-*.sh), run a shell anchor under GNU time, and run `osiris run` with the RSS reporter
// preloaded (20-databases and 25-incremental).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTimed } from './run-timed.mjs';

const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = dirname(benchDir);
const rssPreload = join(benchDir, 'support', 'report-rss.mjs');

export const fmt = (x, digits = 0) =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Run a command in `cwd`; throws with the tail of stderr when it exits non-zero. */
export async function mustRun(label, command, args, options) {
  const result = await runTimed(command, args, options);
  if (result.code !== 0)
    throw new Error(`${label} failed (exit ${result.code}):\n${result.stderr.slice(-3000)}`);
  return result;
}

/** Run a shell command line under GNU time: wall seconds and peak RSS (MB) of the tools themselves. */
export async function runAnchor(label, script, options) {
  const result = await mustRun(label, '/usr/bin/time', ['-f', 'MAXRSS_KB=%M', 'bash', '-c', script], options);
  const m = /MAXRSS_KB=(\d+)/.exec(result.stderr);
  return { ...result, rssMb: m ? Number(m[1]) / 1024 : NaN };
}

/**
 * Run `osiris run PIPELINE --json` in `project` with the RSS reporter preloaded, on `node` (default the
 * bench's own). Returns the status, the events and osiris.log text of the session (step durations,
 * warnings, fetch methods), wall seconds and peak RSS in MB.
 */
export async function runOsiris(project, pipeline, { env = {}, args = [], node = process.execPath } = {}) {
  const rssFile = join(project, `rss-${process.pid}.json`);
  const logs = join(project, 'logs');
  rmSync(rssFile, { force: true });
  rmSync(logs, { recursive: true, force: true });
  const argv = ['--import', rssPreload, join(repoDir, 'bin', 'osiris.mjs'), 'run', pipeline, '--json'];
  argv.push('--logs-dir', logs, '--out', join(project, 'build'), ...args);
  const result = await runTimed(node, argv, {
    cwd: project,
    env: { ...process.env, ...env, OSIRIS_BENCH_RSS_FILE: rssFile },
  });
  let status;
  try {
    status = JSON.parse(result.stdout);
  } catch {
    throw new Error(
      `osiris run ${pipeline} printed no status (exit ${result.code}):\n${result.stderr.slice(-3000)}`,
    );
  }
  if (status.status !== 'success')
    throw new Error(`osiris run ${pipeline} failed: ${JSON.stringify(status.error)}`);
  const events = readFileSync(resolve(project, status.session_dir, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const logFile = resolve(project, status.session_dir, 'osiris.log');
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
  const rssMb = existsSync(rssFile) ? JSON.parse(readFileSync(rssFile, 'utf8')).max_rss_kb / 1024 : NaN;
  // OSIRIS_BENCH_KEEP_LOGS=1 leaves the last run's session under <project>/logs for a closer look.
  if (!process.env.OSIRIS_BENCH_KEEP_LOGS) rmSync(logs, { recursive: true, force: true });
  return { status, events, log, seconds: result.seconds, rssMb };
}

/** Step durations in seconds from a session's step_complete events (summed over chunks). */
export function readStepSeconds(events) {
  const steps = {};
  for (const e of events.filter((x) => x.event === 'step_complete'))
    steps[e.step_id] = +((steps[e.step_id] ?? 0) + e.duration_ms / 1000).toFixed(2);
  return steps;
}

function findFreePort() {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function parseEnvLines(text) {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** The newest /usr/lib/postgresql/N/bin (the server's own psql), else /usr/bin. */
export function findPostgresBin() {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return versions.length ? join(base, versions[0], 'bin') : '/usr/bin';
}

/** Start fresh MariaDB and PostgreSQL under `root` (database `bench` on both); returns ports and sockets. */
export async function startServers(root, { mysqlPassword, postgresPassword, bufferPool = '1G' }) {
  // The postgres OS user must be able to enter every parent directory of its data dir.
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const [mysqlPort, pgPort] = [await findFreePort(), await findFreePort()];
  const script = (name) => join(repoDir, 'test', 'support', name);
  const [m, p] = await Promise.all([
    mustRun(
      'start-mariadb.sh',
      'bash',
      [script('start-mariadb.sh'), 'fresh', join(root, 'mariadb'), String(mysqlPort)],
      {
        env: {
          ...process.env,
          MARIADB_PASSWORD: mysqlPassword,
          MARIADB_DATABASE: 'bench',
          MARIADB_BUFFER_POOL: bufferPool,
        },
      },
    ),
    mustRun(
      'start-postgres.sh',
      'bash',
      [script('start-postgres.sh'), 'fresh', join(root, 'postgres'), String(pgPort)],
      {
        env: { ...process.env, POSTGRES_PASSWORD: postgresPassword, POSTGRES_DATABASE: 'bench' },
      },
    ),
  ]);
  const mysql = parseEnvLines(m.stdout);
  const pg = parseEnvLines(p.stdout);
  return {
    mysqlPort: Number(mysql.MYSQL_PORT),
    mysqlSocket: mysql.MYSQL_SOCKET,
    pgPort: Number(pg.PGPORT),
    pgSocket: pg.PG_SOCKET_DIR,
  };
}

/** Destroy the servers startServers(root) started (never throws). */
export async function stopServers(root) {
  const script = (name) => join(repoDir, 'test', 'support', name);
  await Promise.allSettled([
    runTimed('bash', [script('start-mariadb.sh'), 'destroy', join(root, 'mariadb')]),
    runTimed('bash', [script('start-postgres.sh'), 'destroy', join(root, 'postgres')]),
  ]);
}
