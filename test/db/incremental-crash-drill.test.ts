// Crash drill for incremental loads (docs/incremental.md, "exactly once" for database writers): three
// pipelines through the real CLI, each run killed with SIGKILL at a random moment while the sources keep
// changing; afterwards one clean run must leave every target equal to its source and every stored
// boundary on the source's last (cursor, id). OSIRIS_DRILL_SEED=<n> replays a seed's batches and delays.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDbServers } from '../support/read-db-servers.js';
import { runMysqlCli, runPsql } from './db-test-kit.js';
import type { DrillPipeline, DrillServers } from './incremental-drill-kit.js';
import {
  applyBatch,
  createSeededRandom,
  describeDifference,
  readOrderedRows,
  readSourceMax,
  readStoredBoundary,
  renderSourceDdl,
  runAndKill,
} from './incremental-drill-kit.js';
import { createIncrementalProject, runInProject } from './incremental-kit.js';

const MYDB = 'drill_src';
const PGSCHEMA = 'drill';
const TRIALS = 20;
const BATCH_INSERTS = 20_000;
const BATCH_UPDATES = 2_000;
const SEED = Number(process.env.OSIRIS_DRILL_SEED || Math.floor(Math.random() * 2 ** 31));
const TAG = `drill seed ${SEED} (replay: OSIRIS_DRILL_SEED=${SEED})`;

const PIPELINES: DrillPipeline[] = [
  {
    name: 'drill-my-pg-upsert',
    source: 'mysql',
    sourceTable: `${MYDB}.src_upsert`,
    targetTable: `${PGSCHEMA}.t_upsert`,
    stateTable: `${PGSCHEMA}.osiris_state`,
    mode: 'upsert',
  },
  {
    name: 'drill-my-pg-append',
    source: 'mysql',
    sourceTable: `${MYDB}.src_append`,
    targetTable: `${PGSCHEMA}.t_append`,
    stateTable: `${PGSCHEMA}.osiris_state`,
    mode: 'append',
  },
  {
    name: 'drill-pg-my-upsert',
    source: 'postgres',
    sourceTable: `${PGSCHEMA}.src_pg`,
    targetTable: `${MYDB}.t_from_pg`,
    stateTable: `${MYDB}.osiris_state`,
    mode: 'upsert',
  },
];

/** One extractor → one writer, source and target named by the pipeline. */
function renderPipeline(p: DrillPipeline): string {
  const [srcSchema, srcTable] = p.sourceTable.split('.');
  const [, dstTable] = p.targetTable.split('.');
  const extractor =
    p.source === 'mysql'
      ? `component: mysql.extractor\n    mode: read\n    config:\n      connection: '@mysql.src'\n      table: ${srcTable}`
      : `component: postgres.extractor\n    mode: read\n    config:\n      connection: '@postgres.src'\n      schema: ${srcSchema}\n      table: ${srcTable}`;
  const writer =
    p.source === 'mysql'
      ? `component: postgres.writer\n    mode: write\n    needs: [extract]\n    config:\n      connection: '@postgres.dst'\n      schema: ${PGSCHEMA}`
      : `component: mysql.writer\n    mode: write\n    needs: [extract]\n    config:\n      connection: '@mysql.dst'`;
  return `oml_version: '0.1.0'
name: ${p.name}
steps:
  - id: extract
    ${extractor}
      incremental: { cursor: updated_at, primary_key: [id] }
  - id: load
    ${writer}
      table: ${dstTable}
      write_mode: ${p.mode}
      primary_key: [id]
      create_if_missing: true
`;
}

/** A pipeline's project and how far its source has got. */
interface DrillState {
  pipeline: DrillPipeline;
  project: string;
  batches: number;
  nextId: number;
  /** A clean run with nothing to read (process start, compile, state read). */
  idleMs: number;
  /** What one more batch adds to a clean run. */
  batchMs: number;
  /** Batches the stored boundary is behind (a killed run before its commit leaves them all for the next). */
  pending: number;
}

/** One trial's outcome, for the assertion messages. */
interface TrialRecord {
  trial: number;
  pipeline: string;
  delayMs: number;
  elapsedMs: number;
  killedWhileRunning: boolean;
  code: number | null;
  committed: boolean;
}

let servers: DrillServers;
const random = createSeededRandom(SEED);

/** The next batch of a source: new ids, and (upsert) a random run of existing ids moved forward. */
async function changeSource(state: DrillState): Promise<void> {
  const updates = state.pipeline.mode === 'upsert' && state.nextId > BATCH_UPDATES ? BATCH_UPDATES : 0;
  const updateFrom = 1 + Math.floor(random() * (state.nextId - 1 - updates));
  await applyBatch(servers, state.pipeline, {
    index: state.batches,
    firstId: state.nextId,
    inserts: BATCH_INSERTS,
    ...(updates > 0 ? { updates, updateFrom } : {}),
  });
  state.batches += 1;
  state.pending += 1;
  state.nextId += BATCH_INSERTS;
}

/** Create the project, load two batches with a clean run and time it and an idle run (the delay range). */
async function prepareDrill(pipeline: DrillPipeline): Promise<DrillState> {
  const project = createIncrementalProject(servers.mariadb, servers.postgres, MYDB, {
    'p.yaml': renderPipeline(pipeline),
  });
  const state: DrillState = { pipeline, project, batches: 0, nextId: 1, idleMs: 0, batchMs: 0, pending: 0 };
  await changeSource(state);
  await changeSource(state); // the second batch carries updates, as the drill's batches do
  const timeRun = async (rowsRead: number): Promise<number> => {
    const started = Date.now();
    const run = await runInProject(project, servers.mariadb, servers.postgres, ['run', 'p.yaml', '--json']);
    expect(run.code, `${pipeline.name} clean run: ${run.stderr}`).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rows_read: rowsRead });
    return Date.now() - started;
  };
  const cleanMs = await timeRun(2 * BATCH_INSERTS);
  state.idleMs = await timeRun(0);
  state.batchMs = Math.max(50, (cleanMs - state.idleMs) / 2);
  state.pending = 0;
  return state;
}

/**
 * The kill delay: random within what a clean run of the pending batches takes. Killed runs leave their
 * batches to the next, so the estimate grows with them; 40% of the delays fall in the run's last third
 * up to its estimated end, where the COMMIT and the exit after it are.
 */
function pickDelay(state: DrillState): number {
  const estimate = state.idleMs + state.batchMs * state.pending;
  const part = random() < 0.6 ? random() * 0.85 : 0.65 + random() * 0.35;
  return Math.floor(estimate * part);
}

/** One trial: change the source, run, SIGKILL after a random delay. */
async function runTrial(trial: number, state: DrillState): Promise<TrialRecord> {
  await changeSource(state);
  const delayMs = pickDelay(state);
  const before = await readStoredBoundary(servers, state.pipeline);
  const run = await runAndKill(state.project, servers, delayMs);
  const after = await readStoredBoundary(servers, state.pipeline);
  const record: TrialRecord = {
    trial,
    pipeline: state.pipeline.name,
    delayMs,
    elapsedMs: run.elapsedMs,
    killedWhileRunning: run.killedWhileRunning,
    code: run.code,
    committed: before !== after,
  };
  // a run that ended by itself measures what a batch costs now (the tables have grown since the first)
  if (!run.killedWhileRunning && run.code === 0)
    state.batchMs = Math.max(50, (run.elapsedMs - state.idleMs) / state.pending);
  if (record.committed) state.pending = 0;
  // a run that ended before the kill must have succeeded (a stale lock or a half-written target must not fail it)
  if (!run.killedWhileRunning)
    expect
      .soft(run.code, `${TAG}: trial ${trial} ${state.pipeline.name} ended by itself: ${run.stderr}`)
      .toBe(0);
  return record;
}

/** After the drill: a clean run, then target = source, boundary = source's last row, (append) no duplicate. */
async function checkConverged(state: DrillState, trials: string): Promise<void> {
  const p = state.pipeline;
  const target = p.source === 'mysql' ? 'postgres' : 'mysql';
  const final = await runInProject(state.project, servers.mariadb, servers.postgres, [
    'run',
    'p.yaml',
    '--json',
  ]);
  expect.soft(final.code, `${TAG}: final run of ${p.name}: ${final.stderr}\n${trials}`).toBe(0);
  const source = await readOrderedRows(servers, p.source, p.sourceTable);
  const copied = await readOrderedRows(servers, target, p.targetTable);
  expect.soft(describeDifference(source, copied), `${TAG}: ${p.name} target ≠ source\n${trials}`).toBe('');
  const max = (await readSourceMax(servers, p)).split('|');
  expect
    .soft(await readStoredBoundary(servers, p), `${TAG}: ${p.name} osiris_state boundary`)
    .toBe(`${max[0]}|${max[1]}`);
  if (p.mode !== 'append') return;
  const rows = state.nextId - 1;
  const counts = await runPsql(
    servers.postgres,
    `SELECT concat_ws('|', count(*), count(DISTINCT id), min(id), max(id)) FROM ${p.targetTable}`,
  );
  expect.soft(counts.trim(), `${TAG}: ${p.name} count|distinct|min|max`).toBe(`${rows}|${rows}|1|${rows}`);
  const pk = await runPsql(
    servers.postgres,
    `SELECT count(*) FROM information_schema.table_constraints WHERE table_schema = '${PGSCHEMA}'
       AND table_name = 't_append' AND constraint_type = 'PRIMARY KEY'`,
  );
  expect.soft(pk.trim(), `${TAG}: create_if_missing made t_append's PRIMARY KEY`).toBe('1');
}

beforeAll(async () => {
  servers = readDbServers();
  await runMysqlCli(servers.mariadb, `DROP DATABASE IF EXISTS ${MYDB}; CREATE DATABASE ${MYDB}`);
  await runPsql(servers.postgres, `DROP SCHEMA IF EXISTS ${PGSCHEMA} CASCADE; CREATE SCHEMA ${PGSCHEMA}`);
  for (const p of PIPELINES)
    await (p.source === 'mysql'
      ? runMysqlCli(servers.mariadb, renderSourceDdl(p))
      : runPsql(servers.postgres, renderSourceDdl(p)));
});

afterAll(async () => {
  if (servers) {
    await runMysqlCli(servers.mariadb, `DROP DATABASE IF EXISTS ${MYDB}`);
    await runPsql(servers.postgres, `DROP SCHEMA IF EXISTS ${PGSCHEMA} CASCADE`);
  }
});

describe('incremental crash drill (SIGKILL at random moments)', () => {
  it('converges: every target equals its source after killed runs and one clean run', async () => {
    const states: DrillState[] = [];
    for (const p of PIPELINES) states.push(await prepareDrill(p));
    const records: TrialRecord[] = [];
    for (let trial = 0; trial < TRIALS; trial += 1)
      records.push(await runTrial(trial, states[trial % states.length] as DrillState));
    const table = records
      .map(
        (r) =>
          `#${r.trial} ${r.pipeline} delay ${r.delayMs} ms, ended after ${r.elapsedMs} ms, ` +
          `${r.killedWhileRunning ? 'killed mid-run' : `exited ${r.code}`}${r.committed ? ', state moved' : ''}`,
      )
      .join('\n');
    const cleanRuns = states
      .map((s) => `${s.pipeline.name}: idle run ${s.idleMs} ms, +${Math.round(s.batchMs)} ms a batch`)
      .join(', ');
    const afterCommit = records.filter((r) => r.killedWhileRunning && r.committed).length;
    const tally = `${records.filter((r) => r.killedWhileRunning).length} killed mid-run (${afterCommit} of them after the commit)`;
    console.log(`${TAG}\n${cleanRuns}\n${tally}\n${table}`);
    for (const state of states) await checkConverged(state, table);
    // the drill proves nothing if every kill came after the run had finished
    const killed = records.filter((r) => r.killedWhileRunning).length;
    expect(killed, `${TAG}: trials killed mid-run\n${table}`).toBeGreaterThanOrEqual(10);
  }, 300_000);
});
