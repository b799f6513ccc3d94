import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeDirectory, OsirisError } from '../index.js';
import type { CliIo } from './cli-io.js';
import { printJson } from './cli-io.js';

const FILES: Record<string, string> = {
  'osiris.yaml': `# Marks the Osiris project directory: relative paths in pipelines resolve against this folder.
version: 1
`,
  'osiris_connections.yaml': `# Connections: referenced from steps as "@family.alias". Secrets come from the environment or .env.
connections:
  mysql:
    default:
      default: true
      host: \${MYSQL_HOST:-127.0.0.1}
      port: \${MYSQL_PORT:-3306}
      user: \${MYSQL_USER:-root}
      password: \${MYSQL_PASSWORD}
      database: \${MYSQL_DATABASE:-movies}
  postgres:
    default:
      default: true
      dsn: \${POSTGRES_URL}
`,
  '.env.example': `# Copy to .env and fill in. .env never overrides variables already set in the environment.
MYSQL_PASSWORD=
POSTGRES_URL=postgres://user:password@127.0.0.1:5432/db
`,
  '.gitignore': `.env
logs/
build/
.osiris/
output/
`,
  'data/people.csv': `id,name,city
1,Ada,London
2,Grace,New York
3,Linus,Helsinki
`,
  'pipelines/example.yaml': `oml_version: "0.1.0"
name: example
params:
  min_id: { default: 1 }
steps:
  - id: extract-people
    component: filesystem.csv_extractor
    mode: read
    config:
      path: data/people.csv
  - id: filter-people
    component: duckdb.processor
    mode: transform
    config:
      query: "SELECT * FROM input_df WHERE id >= \${params.min_id} ORDER BY id"
  - id: write-people
    component: filesystem.csv_writer
    mode: write
    config:
      path: output/people.csv
`,
};

/** `osiris init [DIR]`: scaffold a project; refuses to overwrite unless --force. */
export function runInitCommand(
  io: CliIo,
  dir: string | undefined,
  opts: { force?: boolean; json?: boolean },
): number {
  const root = resolve(io.cwd, dir ?? '.');
  const existing = Object.keys(FILES).filter((f) => existsSync(join(root, f)));
  if (existing.length > 0 && !opts.force) {
    throw new OsirisError('usage', `${root} already has ${existing.join(', ')} (use --force to overwrite)`);
  }
  for (const [name, text] of Object.entries(FILES)) {
    const path = join(root, name);
    try {
      makeDirectory(join(path, '..'));
      writeFileSync(path, text);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new OsirisError('io_error', `cannot write ${path}: ${code} (expected a writable directory)`);
    }
  }
  if (opts.json) printJson(io, { ok: true, project_dir: root, files: Object.keys(FILES) });
  else {
    io.stdout.write(`created an Osiris project in ${root}\n`);
    for (const f of Object.keys(FILES)) io.stdout.write(`  ${f}\n`);
    io.stdout.write(`next: cd ${dir ?? '.'} && osiris run pipelines/example.yaml\n`);
  }
  return 0;
}
