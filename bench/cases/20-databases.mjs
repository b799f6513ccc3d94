#!/usr/bin/env node
// Databases through the real CLI on the 12-column `events` table, each path beside its anchor measured in
// the same run (the database's own dump/load tool):
//   MariaDB -> CSV         mysql.extractor -> filesystem.csv_writer            vs `mariadb --batch --quick`  (target >= 0.75x, issue #13 §2)
//   PostgreSQL -> CSV      postgres.extractor -> filesystem.csv_writer         vs `psql \copy (...) TO`      (target >= 0.9x)
//   CSV -> PostgreSQL      filesystem.csv_extractor -> postgres.writer append  vs `psql \copy ... FROM`      (target >= 0.9x)
//   CSV -> MariaDB         filesystem.csv_extractor -> mysql.writer append     vs `mariadb -e "LOAD DATA LOCAL INFILE"`
//                          (target >= 0.9x; osiris' table must equal the source by CHECKSUM TABLE; the anchor's
//                          cannot: LOAD DATA reads "" and an unquoted NULL as NULL, so its differing rows are counted)
//   MariaDB -> PostgreSQL  mysql.extractor -> postgres.writer append, streamed (the writer reads the rows
//                          while they are extracted)     vs `mariadb --batch --quick | psql \copy FROM STDIN`
//                          (target >= 0.8x, peak RSS <= 256 MB); and the same with --concurrency 1
//                          (the writer starts after the extraction: no streaming) for comparison
// and the peak RSS of every osiris process (target <= 256 MB, issue #13; at the largest size within 1.3x of the smallest).
// Starts its own ephemeral MariaDB and PostgreSQL (test/support/start-*.sh) under bench/out/databases/ and
// destroys them at the end; the generated data (bench/gen-events.mjs) is cached between runs.
// Env: OSIRIS_BENCH_SIZES (default 1000000,5000000), OSIRIS_BENCH_MEMORY_LIMIT (default 96MB: DuckDB overshoots its limit by up to ~150 MB, and the process starts at ~150 MB, so this keeps every path under 400 MB),
// OSIRIS_BENCH_THREADS (DuckDB threads, default 1), OSIRIS_BENCH_PATHS (comma-separated keys of the paths to run,
// e.g. mysql_to_csv,postgres_to_csv; default all: mysql_to_csv, postgres_to_csv, csv_to_postgres, csv_to_mysql,
// mysql_to_postgres, mysql_to_postgres_sequential), OSIRIS_BENCH_REPEAT (default 1: each path's anchor and osiris
// run that many times in turn, A B A B ..., and the median run of each is reported; peak RSS is the largest),
// OSIRIS_BENCH_NODE (the node binary that runs osiris; default the one running the bench).
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as kit from '../support/database-bench-kit.mjs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = dirname(benchDir);
const outDir = process.env.OSIRIS_BENCH_OUT ?? join(benchDir, 'out');
const sizes = (process.env.OSIRIS_BENCH_SIZES ?? '1000000,5000000').split(',').map(Number);
const memoryLimit = process.env.OSIRIS_BENCH_MEMORY_LIMIT ?? '96MB';
// One DuckDB thread: on 2 cores the database server and Node need the other one (measured faster and
// ~100 MB smaller than 2 threads on every path here).
const threads = process.env.OSIRIS_BENCH_THREADS ?? '1';
const paths = process.env.OSIRIS_BENCH_PATHS?.split(',').map((p) => p.trim());
const repeat = Math.max(1, Number(process.env.OSIRIS_BENCH_REPEAT ?? '1') || 1);
const osirisNode = process.env.OSIRIS_BENCH_NODE ?? process.execPath;
/** Whether this run measures the path `key` (OSIRIS_BENCH_PATHS). */
const wants = (key) => !paths || paths.includes(key);
const root = join(outDir, 'databases');
const project = join(root, 'project');
const dataDir = join(root, 'data');
const MYSQL_PASSWORD = 'bench-Maria-pw';
const POSTGRES_PASSWORD = 'bench-Pg-pw';
/** The `events` table's columns as the data plane types them (shared with test/db/csv-pass-through.test.ts). */
const COLUMNS = JSON.parse(readFileSync(join(repoDir, 'test', 'fixtures', 'events', 'columns.json'), 'utf8'));

/** Run `osiris run PIPELINE` with the case's DuckDB settings and `--param`s; adds step durations. */
async function runOsiris(pipeline, params, env, extraArgs = []) {
  const args = [
    '--memory-limit',
    memoryLimit,
    '--threads',
    threads,
    ...params.flatMap((p) => ['--param', p]),
  ];
  const result = await kit.runOsiris(project, pipeline, {
    env,
    args: [...args, ...extraArgs],
    node: osirisNode,
  });
  return { ...result, steps: kit.readStepSeconds(result.events) };
}

/** The run of median wall time (the lower middle of an even count). */
function pickMedian(runs) {
  return [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor((runs.length - 1) / 2)];
}

/**
 * Run the anchor and osiris `repeat` times in turn (`before('anchor' | 'osiris')` ahead of each, untimed):
 * the machine's drift during a run weighs on both alike. Returns the median run of each; osiris' peak RSS
 * is the largest.
 */
async function measureInTurn(before, anchor, osiris) {
  const anchors = [];
  const runs = [];
  for (let i = 0; i < repeat; i += 1) {
    if (anchor) {
      await before('anchor');
      anchors.push(await anchor());
    }
    await before('osiris');
    runs.push(await osiris());
  }
  return {
    anchor: anchor ? pickMedian(anchors) : undefined,
    osiris: { ...pickMedian(runs), rssMb: Math.max(...runs.map((r) => r.rssMb)) },
  };
}

const { fmt, mustRun } = kit;
const rate = (rows, s) => `${fmt(rows / s / 1000)} k rows/s`;

/** An anchor's shell command line with `env` added to the environment (kit.runAnchor: wall time, peak RSS). */
const runAnchor = (label, script, env) => kit.runAnchor(label, script, { env: { ...process.env, ...env } });

async function ensureData(n, format) {
  const path = join(dataDir, `events-${n}.${format}`);
  const marker = `${path}.ok`;
  if (existsSync(marker) && existsSync(path) && readFileSync(marker, 'utf8') === String(statSync(path).size))
    return path;
  console.log(`  generating ${fmt(n)} rows as ${format} (bench/gen-events.mjs, cached for later runs)...`);
  await mustRun('gen-events', process.execPath, [
    join(benchDir, 'gen-events.mjs'),
    String(n),
    path,
    ...(format === 'csv' ? ['--csv'] : []),
  ]);
  writeFileSync(marker, String(statSync(path).size));
  return path;
}

function renderPipelines() {
  const columns = COLUMNS.map(([name, type]) => `        - { name: ${name}, type: "${type}" }`).join('\n');
  const head = (name) => `oml_version: "0.1.0"\nname: ${name}\nparams:\n  n: { default: 1000000 }\nsteps:\n`;
  const mysqlRead = `  - id: extract\n    component: mysql.extractor\n    mode: read\n    config:\n      connection: "@mysql.bench"\n      table: "events_\${params.n}"\n`;
  const pgRead = `  - id: extract\n    component: postgres.extractor\n    mode: read\n    config:\n      connection: "@postgres.bench"\n      table: "events_\${params.n}"\n`;
  const csvRead = `  - id: extract\n    component: filesystem.csv_extractor\n    mode: read\n    config:\n      path: "${dataDir}/events-\${params.n}.csv"\n      columns:\n${columns}\n`;
  const csvWrite = `  - id: write\n    component: filesystem.csv_writer\n    mode: write\n    config:\n      path: "output/events-\${params.n}.csv"\n`;
  const pgWrite = (table) =>
    `  - id: write\n    component: postgres.writer\n    mode: write\n    config:\n      connection: "@postgres.bench"\n      table: "${table}_\${params.n}"\n      write_mode: append\n      batch_size: 50000\n`;
  writeFileSync(join(project, 'mysql-to-csv.yaml'), head('bench-mysql-to-csv') + mysqlRead + csvWrite);
  writeFileSync(join(project, 'postgres-to-csv.yaml'), head('bench-postgres-to-csv') + pgRead + csvWrite);
  writeFileSync(
    join(project, 'csv-to-postgres.yaml'),
    head('bench-csv-to-postgres') + csvRead + pgWrite('loaded_osiris'),
  );
  const mysqlWrite = `  - id: write\n    component: mysql.writer\n    mode: write\n    config:\n      connection: "@mysql.bench"\n      table: "loaded_osiris_\${params.n}"\n      write_mode: append\n      batch_size: 50000\n`;
  writeFileSync(join(project, 'csv-to-mysql.yaml'), head('bench-csv-to-mysql') + csvRead + mysqlWrite);
  writeFileSync(
    join(project, 'mysql-to-postgres.yaml'),
    head('bench-mysql-to-postgres') + mysqlRead + pgWrite('moved'),
  );
  writeFileSync(
    join(project, 'mysql-to-postgres-sequential.yaml'),
    head('bench-mysql-to-postgres-sequential') + mysqlRead + pgWrite('moved_sequential'),
  );
  writeFileSync(
    join(project, 'osiris.yaml'),
    '# bench project (generated by bench/cases/20-databases.mjs)\nversion: 1\n',
  );
}

/**
 * The anchor of CSV -> MariaDB: the client's own LOAD DATA LOCAL INFILE of the Osiris CSV (RFC 4180, a
 * header, NULL as an empty unquoted field, booleans as true/false). LOAD DATA cannot tell an empty
 * unquoted field from "", so NULLIF maps both to NULL (the checksum then shows whether the data has "").
 */
function renderMysqlLoadAnchor(csv, table) {
  const vars = COLUMNS.map(([name]) => `@${name}`).join(', ');
  const sets = COLUMNS.map(([name, type]) =>
    type === 'BOOLEAN' ? `${name} = (@${name} = 'true')` : `${name} = NULLIF(@${name}, '')`,
  ).join(', ');
  return (
    `LOAD DATA LOCAL INFILE '${csv}' INTO TABLE ${table} CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' ` +
    `OPTIONALLY ENCLOSED BY '\\"' ESCAPED BY '' LINES TERMINATED BY '\\n' IGNORE 1 LINES (${vars}) SET ${sets}`
  );
}

/**
 * CHECKSUM TABLE of the source and the two loaded tables. Osiris' table must equal the source (else the
 * case fails). The anchor's LOAD DATA cannot tell "" from an empty field and reads an unquoted NULL as
 * NULL, so its table differs where the data has those: the rows that differ are counted and printed,
 * and its time is still that of parsing and loading the same bytes.
 */
async function checkMysqlTables(mysqlCli, mysqlEnv, source, anchor, osiris) {
  const sql = (text) =>
    mustRun('CHECKSUM TABLE', 'bash', ['-c', `${mysqlCli} --batch --skip-column-names -e "${text}"`], {
      env: { ...process.env, ...mysqlEnv },
    }).then((r) => r.stdout.trim());
  const sums = (await sql(`CHECKSUM TABLE ${source}, ${anchor}, ${osiris}`))
    .split('\n')
    .map((l) => l.split('\t')[1]);
  if (sums[2] !== sums[0]) {
    console.log(
      `  !! CSV -> MariaDB: osiris' table differs from the source (CHECKSUM TABLE ${sums.join(' / ')})`,
    );
    process.exitCode = 1;
  }
  if (sums[1] === sums[0]) return 'anchor table = source';
  const same = COLUMNS.map(([name]) => `a.${name} <=> s.${name}`).join(' AND ');
  const differ = await sql(
    `SELECT COUNT(*) FROM ${anchor} a JOIN ${source} s USING (id) WHERE NOT (${same})`,
  );
  return `anchor table differs from the source in ${differ} rows ('' and the text NULL read as NULL)`;
}

/**
 * Before a timed load into MariaDB (not timed): flush InnoDB's dirty pages, as CHECKPOINT does for
 * PostgreSQL. Measured: after a 1M-row load the page cleaner works for ~17 s, and a load started in that
 * time ran 5-15 % slower, which always penalized the second of the anchor and osiris.
 */
async function settleMariadb(mysqlCli, mysqlEnv) {
  const sql = (text) =>
    mustRun('settle MariaDB', 'bash', ['-c', `${mysqlCli} --batch --skip-column-names -e "${text}"`], {
      env: { ...process.env, ...mysqlEnv },
    }).then((r) => r.stdout.trim());
  const [pct, lwm] = (
    await sql('SELECT @@innodb_max_dirty_pages_pct, @@innodb_max_dirty_pages_pct_lwm')
  ).split('\t');
  await sql('SET GLOBAL innodb_max_dirty_pages_pct_lwm = 0.001; SET GLOBAL innodb_max_dirty_pages_pct = 0');
  try {
    const started = Date.now();
    for (;;) {
      const dirty = Number(
        await sql(
          "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_PAGES_DIRTY'",
        ),
      );
      if (dirty < 10) break;
      if (Date.now() - started > 300_000) {
        console.log(`  !! MariaDB still has ${dirty} dirty pages after 300 s; timing anyway`);
        break;
      }
      await new Promise((done) => setTimeout(done, 500));
    }
  } finally {
    await sql(
      `SET GLOBAL innodb_max_dirty_pages_pct = ${pct}; SET GLOBAL innodb_max_dirty_pages_pct_lwm = ${lwm}`,
    );
  }
}

async function main() {
  mkdirSync(project, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(join(project, 'output'), { recursive: true });
  console.log(
    `databases: events (12 columns), memory limit ${memoryLimit}, ${threads} DuckDB thread(s), osiris on node ${execFileSync(osirisNode, ['--version']).toString().trim()}`,
  );
  console.log('  starting MariaDB and PostgreSQL (test/support/start-*.sh)...');
  const s = await kit.startServers(root, {
    mysqlPassword: MYSQL_PASSWORD,
    postgresPassword: POSTGRES_PASSWORD,
  });
  const pgbin = kit.findPostgresBin();
  const mysqlEnv = { MYSQL_PWD: MYSQL_PASSWORD };
  const mysqlCli = `mariadb --no-defaults --local-infile=1 --default-character-set=utf8mb4 --socket='${s.mysqlSocket}' -uroot bench`;
  const psql = `'${pgbin}/psql' -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p ${s.pgPort} -U postgres -d bench`;
  // Plain like osiris over loopback: the test server offers TLS, which psql would otherwise take.
  const pgEnv = {
    PGPASSWORD: POSTGRES_PASSWORD,
    PGOPTIONS: '--client-min-messages=warning',
    PGSSLMODE: 'disable',
  };
  writeFileSync(
    join(project, 'osiris_connections.yaml'),
    `connections:\n  mysql:\n    bench:\n      host: 127.0.0.1\n      port: ${s.mysqlPort}\n      user: root\n      password: \${BENCH_MYSQL_PASSWORD}\n      database: bench\n` +
      `  postgres:\n    bench:\n      host: 127.0.0.1\n      port: ${s.pgPort}\n      user: postgres\n      password: \${BENCH_POSTGRES_PASSWORD}\n      database: bench\n`,
  );
  renderPipelines();
  const osirisEnv = { BENCH_MYSQL_PASSWORD: MYSQL_PASSWORD, BENCH_POSTGRES_PASSWORD: POSTGRES_PASSWORD };
  const mysqlDdl = readFileSync(join(repoDir, 'test/fixtures/events/events.mysql.sql'), 'utf8').replace(
    /--.*$/gm,
    '',
  );
  const pgDdl = readFileSync(join(repoDir, 'test/fixtures/events/events.postgres.sql'), 'utf8').replace(
    /--.*$/gm,
    '',
  );
  const ddlFor = (ddl, table) => ddl.replaceAll('events', table);

  const results = { memory_limit: memoryLimit, repeat, sizes: [] };
  if (repeat > 1)
    console.log(`each path: its anchor and osiris ${repeat} times in turn; the median run of each`);
  for (const n of sizes) {
    const tsv = await ensureData(n, 'tsv');
    const csv = await ensureData(n, 'csv');
    const mb = statSync(csv).size / 1e6;
    console.log(`events ${fmt(n)} rows (${fmt(mb)} MB CSV): loading the servers...`);
    writeFileSync(
      join(root, 'ddl.sql'),
      [`events_${n}`, `loaded_anchor_${n}`, `loaded_osiris_${n}`].map((t) => ddlFor(mysqlDdl, t)).join('\n'),
    );
    await mustRun(
      'MariaDB load',
      'bash',
      [
        '-c',
        `${mysqlCli} < '${join(root, 'ddl.sql')}' && ${mysqlCli} -e "LOAD DATA LOCAL INFILE '${tsv}' INTO TABLE events_${n} CHARACTER SET utf8mb4"`,
      ],
      { env: { ...process.env, ...mysqlEnv } },
    );
    const pgTables = [
      `events_${n}`,
      `loaded_anchor_${n}`,
      `loaded_osiris_${n}`,
      `moved_${n}`,
      `moved_anchor_${n}`,
      `moved_sequential_${n}`,
    ]
      // No autovacuum on the tables the loads fill: its pass over one load's table could run during the next.
      .map((t) => `${ddlFor(pgDdl, t)}\nALTER TABLE ${t} SET (autovacuum_enabled = off);`)
      .join('\n');
    writeFileSync(join(root, 'ddl.sql'), pgTables);
    await mustRun(
      'PostgreSQL load',
      'bash',
      [
        '-c',
        `${psql} -f '${join(root, 'ddl.sql')}' && ${psql} -c "\\copy events_${n} FROM '${tsv}'" && ${psql} -c "VACUUM ANALYZE events_${n}"`,
      ],
      { env: { ...process.env, ...pgEnv } },
    );

    const entry = {
      rows: n,
      csv_mb: +mb.toFixed(1),
    };
    // ratio: anchor / whole `osiris run` (process start to exit); step_ratio: anchor / the one step that
    // does what the anchor does (the database side of the pipeline), from its step_complete duration.
    const report = (key, label, anchor, osiris, step, rows = n) => {
      const ratio = anchor ? anchor.seconds / osiris.seconds : undefined;
      const stepRatio = anchor && osiris.steps[step] ? anchor.seconds / osiris.steps[step] : undefined;
      console.log(
        `  ${label.padEnd(22)} anchor ${anchor ? `${fmt(anchor.seconds, 2).padStart(6)} s` : '     -  '}  osiris ${fmt(osiris.seconds, 2).padStart(6)} s  ${rate(rows, osiris.seconds).padStart(16)}` +
          `${ratio === undefined ? '' : `  ratio ${fmt(ratio, 2)}x (${step} step ${fmt(stepRatio, 2)}x)`}  peak RSS ${fmt(osiris.rssMb)} MB  steps ${JSON.stringify(osiris.steps)}`,
      );
      entry[key] = {
        anchor_s: anchor ? +anchor.seconds.toFixed(2) : undefined,
        anchor_rss_mb: anchor ? Math.round(anchor.rssMb) : undefined,
        osiris_s: +osiris.seconds.toFixed(2),
        rows_per_s: Math.round(rows / osiris.seconds),
        ratio: ratio === undefined ? undefined : +ratio.toFixed(2),
        step_ratio: stepRatio === undefined ? undefined : +stepRatio.toFixed(2),
        peak_rss_mb: Math.round(osiris.rssMb),
        steps_s: osiris.steps,
        rows_written: osiris.status.rows_written,
      };
      if (osiris.status.rows_written !== rows) {
        console.log(`  !! ${label}: rows_written ${osiris.status.rows_written}, expected ${rows}`);
        process.exitCode = 1;
      }
    };
    const anchorOut = join(project, 'output', 'anchor.out');
    const osirisOut = join(project, 'output', `events-${n}.csv`);
    // Each X -> CSV run starts with neither output present: replacing the previous run's 230 MB file
    // (an unlink) would otherwise be timed in the next one (measured 0.13-0.2 s of the write step).
    const clearOutputs = () => [anchorOut, osirisOut].forEach((path) => rmSync(path, { force: true }));

    if (wants('mysql_to_csv')) {
      const measured = await measureInTurn(
        async () => clearOutputs(),
        () =>
          runAnchor(
            'mariadb --batch --quick',
            `${mysqlCli} --batch --quick -e 'SELECT * FROM events_${n}' > '${anchorOut}'`,
            mysqlEnv,
          ),
        () => runOsiris('mysql-to-csv.yaml', [`n=${n}`], osirisEnv),
      );
      report('mysql_to_csv', 'MariaDB -> CSV', measured.anchor, measured.osiris, 'extract');
    }

    if (wants('postgres_to_csv')) {
      const measured = await measureInTurn(
        async () => clearOutputs(),
        () =>
          runAnchor(
            'psql \\copy TO',
            `${psql} -c "\\copy (SELECT * FROM events_${n}) TO '${anchorOut}' CSV"`,
            pgEnv,
          ),
        () => runOsiris('postgres-to-csv.yaml', [`n=${n}`], osirisEnv),
      );
      report('postgres_to_csv', 'PostgreSQL -> CSV', measured.anchor, measured.osiris, 'extract');
    }
    clearOutputs();

    // Each load into PostgreSQL starts after a CHECKPOINT (not timed): the previous load's dirty pages
    // and WAL would otherwise be flushed while the next one runs, which always penalizes the second.
    const settlePostgres = () =>
      mustRun('CHECKPOINT', 'bash', ['-c', `${psql} -c CHECKPOINT`], { env: { ...process.env, ...pgEnv } });

    // a repeated load starts from an empty table, as the first
    const emptyPostgres = (table) =>
      mustRun('TRUNCATE', 'bash', ['-c', `${psql} -c "TRUNCATE ${table}"`], {
        env: { ...process.env, ...pgEnv },
      });

    if (wants('csv_to_postgres')) {
      const measured = await measureInTurn(
        async (which) => {
          await emptyPostgres(`loaded_${which}_${n}`);
          await settlePostgres();
        },
        () =>
          runAnchor(
            'psql \\copy FROM',
            `${psql} -c "\\copy loaded_anchor_${n} FROM '${csv}' CSV HEADER"`,
            pgEnv,
          ),
        () => runOsiris('csv-to-postgres.yaml', [`n=${n}`], osirisEnv),
      );
      report('csv_to_postgres', 'CSV -> PostgreSQL', measured.anchor, measured.osiris, 'write');
    }

    if (wants('csv_to_mysql')) {
      const measured = await measureInTurn(
        async (which) => {
          await mustRun('TRUNCATE', 'bash', ['-c', `${mysqlCli} -e 'TRUNCATE TABLE loaded_${which}_${n}'`], {
            env: { ...process.env, ...mysqlEnv },
          });
          await settleMariadb(mysqlCli, mysqlEnv);
        },
        () =>
          runAnchor(
            'mariadb LOAD DATA LOCAL INFILE',
            `${mysqlCli} -e "${renderMysqlLoadAnchor(csv, `loaded_anchor_${n}`)}"`,
            mysqlEnv,
          ),
        () => runOsiris('csv-to-mysql.yaml', [`n=${n}`], osirisEnv),
      );
      const check = await checkMysqlTables(
        mysqlCli,
        mysqlEnv,
        `events_${n}`,
        `loaded_anchor_${n}`,
        `loaded_osiris_${n}`,
      );
      report('csv_to_mysql', 'CSV -> MariaDB', measured.anchor, measured.osiris, 'write');
      console.log(`    (${check}; osiris' table = source by CHECKSUM TABLE)`);
      entry.csv_to_mysql.anchor_check = check;
    }

    // The anchor pipes MariaDB's batch output (tab-separated, backslash escapes: PostgreSQL's text
    // format, NULL printed as NULL) straight into COPY: the two overlap, as the streamed pair does.
    // `--batch` leaves a carriage return as it is, which COPY's text format refuses: sed escapes it.
    const runMoveAnchor = () =>
      runAnchor(
        'mariadb --batch --quick | psql \\copy FROM STDIN',
        `set -o pipefail; ${mysqlCli} --batch --quick --skip-column-names -e 'SELECT * FROM events_${n}' | LC_ALL=C sed 's/\\r/\\\\r/g' | ${psql} -c "\\copy moved_anchor_${n} FROM STDIN WITH (NULL 'NULL')"`,
        { ...mysqlEnv, ...pgEnv },
      );
    const emptyMoved = (table) => async () => {
      await emptyPostgres(table);
      await settlePostgres();
    };
    let moveAnchor;
    if (wants('mysql_to_postgres')) {
      const measured = await measureInTurn(
        (which) => emptyMoved(which === 'anchor' ? `moved_anchor_${n}` : `moved_${n}`)(),
        runMoveAnchor,
        () => runOsiris('mysql-to-postgres.yaml', [`n=${n}`], osirisEnv),
      );
      moveAnchor = measured.anchor;
      report('mysql_to_postgres', 'MariaDB -> PostgreSQL', moveAnchor, measured.osiris, 'write');
    }
    if (wants('mysql_to_postgres_sequential')) {
      const measured = await measureInTurn(
        (which) => emptyMoved(which === 'anchor' ? `moved_anchor_${n}` : `moved_sequential_${n}`)(),
        moveAnchor ? undefined : runMoveAnchor,
        () => runOsiris('mysql-to-postgres-sequential.yaml', [`n=${n}`], osirisEnv, ['--concurrency', '1']),
      );
      moveAnchor ??= measured.anchor;
      report('mysql_to_postgres_sequential', 'MariaDB -> PG (seq.)', moveAnchor, measured.osiris, 'write');
    }
    await mustRun(
      'cleanup',
      'bash',
      [
        '-c',
        `${psql} -c "DROP TABLE loaded_anchor_${n}, loaded_osiris_${n}, moved_${n}, moved_anchor_${n}, moved_sequential_${n}, events_${n}" && ${mysqlCli} -e 'DROP TABLE events_${n}, loaded_anchor_${n}, loaded_osiris_${n}'`,
      ],
      { env: { ...process.env, ...mysqlEnv, ...pgEnv } },
    );
    results.sizes.push(entry);
  }
  if (results.sizes.length >= 2) {
    const [a, b] = [results.sizes[0], results.sizes[results.sizes.length - 1]];
    results.rss_ratio = {};
    for (const key of [
      'mysql_to_csv',
      'postgres_to_csv',
      'csv_to_postgres',
      'csv_to_mysql',
      'mysql_to_postgres',
    ]) {
      if (!a[key] || !b[key]) continue;
      const ratio = b[key].peak_rss_mb / a[key].peak_rss_mb;
      results.rss_ratio[key] = +ratio.toFixed(2);
      console.log(
        `  peak RSS ${key} ${fmt(b.rows)} / ${fmt(a.rows)} rows = ${fmt(ratio, 2)} (target <= 1.3: ${ratio <= 1.3 ? 'met' : 'NOT met'})`,
      );
    }
  }
  if (process.env.OSIRIS_BENCH_RESULT)
    writeFileSync(process.env.OSIRIS_BENCH_RESULT, JSON.stringify(results, null, 2) + '\n');
}

try {
  await main();
} finally {
  await kit.stopServers(root);
}
