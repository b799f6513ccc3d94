// Helpers for the incremental-load tests: a project whose connections point at the test servers, a run
// through the real CLI, and the session's events.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DbServer } from '../support/db-servers.js';
import type { CliResult } from '../support/run-osiris.js';
import { createProject, readLines, runOsiris } from '../support/run-osiris.js';

/** The connections file of an incremental test project: `@mysql.src`/`@mysql.dst` and `@postgres.src`/`@postgres.dst`. */
export function renderConnections(mariadb: DbServer, postgres: DbServer, mysqlDb: string): string {
  const my = (alias: string) =>
    `    ${alias}:\n      host: ${mariadb.host}\n      port: ${mariadb.port}\n      user: ${mariadb.user}\n      password: \${MYSQL_PASSWORD}\n      database: ${mysqlDb}\n`;
  const pg = (alias: string) =>
    `    ${alias}:\n      host: ${postgres.host}\n      port: ${postgres.port}\n      user: ${postgres.user}\n      password: \${PGPASSWORD}\n      database: ${postgres.database}\n`;
  return `connections:\n  mysql:\n${my('src')}${my('dst')}  postgres:\n${pg('src')}${pg('dst')}`;
}

/** A project with these pipelines (name → OML text) and the test servers' connections. */
export function createIncrementalProject(
  mariadb: DbServer,
  postgres: DbServer,
  mysqlDb: string,
  pipelines: Record<string, string>,
): string {
  return createProject({
    'osiris_connections.yaml': renderConnections(mariadb, postgres, mysqlDb),
    ...pipelines,
  });
}

/** Run `osiris ARGS` in the project with the servers' passwords in the environment. */
export function runInProject(
  project: string,
  mariadb: DbServer,
  postgres: DbServer,
  args: string[],
): Promise<CliResult> {
  return runOsiris(args, {
    cwd: project,
    env: { MYSQL_PASSWORD: mariadb.password, PGPASSWORD: postgres.password },
    timeoutMs: 180_000,
  });
}

/** The events of the newest session in the project's logs/. */
export function readNewestEvents(project: string): Record<string, unknown>[] {
  const logs = join(project, 'logs');
  const runs = readdirSync(logs)
    .filter((n) => n.startsWith('run_'))
    .sort();
  const newest = runs[runs.length - 1];
  if (newest === undefined) throw new Error(`no session in ${logs}`);
  return readLines(join(logs, newest, 'events.jsonl'));
}

/** The events of one name. */
export function pickEvents(
  events: readonly Record<string, unknown>[],
  name: string,
): Record<string, unknown>[] {
  return events.filter((e) => e.event === name);
}
