#!/usr/bin/env node
// Batches on a pool of sandboxes, through the real CLI: 40 pipelines of 4 steps (a CSV extract, two DuckDB
// transforms, a CSV writer) run with `--parallel 8`
//   in process          the anchor: the same batch without a sandbox
//   pool                --sandbox local / --e2b: at most 8 sandboxes, each wiped and reused
//   one per pipeline    the same with --no-sandbox-reuse: a new sandbox for every pipeline
// on the local sandbox and on E2B through the offline fake (the real SDK over loopback HTTP), once at E2B
// Pro's create rate (5 per second) and once at Hobby's (1 per second) with creates that take 0.5 s, as
// real ones do from outside the provider's region; the fake enforces the rate. Reports total wall time, wall per pipeline,
// what each pipeline adds over the in-process batch, the mean `e2b_overhead_ms` of a session (sandbox
// create or reuse + upload + worker start + handshake) and the sandboxes created.
// Needs `npm run build`. Env: OSIRIS_BENCH_PIPELINES (default 40), OSIRIS_BENCH_PARALLEL (default 8).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeE2b } from '../support/start-fake-e2b.mjs';

const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = dirname(benchDir);
const outDir = process.env.OSIRIS_BENCH_OUT ?? join(benchDir, 'out');
const count = Number(process.env.OSIRIS_BENCH_PIPELINES ?? 40);
const parallel = Number(process.env.OSIRIS_BENCH_PARALLEL ?? 8);
const work = join(outDir, 'batch-pool');
const bin = join(repoDir, 'bin', 'osiris.mjs');
if (!existsSync(join(repoDir, 'dist', 'worker', 'worker-main.mjs')))
  throw new Error('dist/worker is missing: run npm run build');

const files = Array.from({ length: count }, (_, i) => `p${i + 1}.yaml`);
const renderPipeline = (i) =>
  `oml_version: "0.1.0"\nname: p${i}\nsteps:\n` +
  `  - id: extract\n    component: filesystem.csv_extractor\n    mode: read\n    config: { path: data/in.csv }\n` +
  `  - id: stamp\n    component: duckdb.processor\n    mode: transform\n    needs: [extract]\n    config: { query: "SELECT v, ${i} AS pipeline FROM input_df" }\n` +
  `  - id: fold\n    component: duckdb.processor\n    mode: transform\n    needs: [stamp]\n    config: { query: "SELECT pipeline, count(*) AS n, sum(v) AS s FROM input_df GROUP BY pipeline" }\n` +
  `  - id: write\n    component: filesystem.csv_writer\n    mode: write\n    needs: [fold]\n    config: { path: out/p${i}.csv }\n`;

function createProject() {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'data'), { recursive: true });
  writeFileSync(join(work, 'osiris.yaml'), '# bench project (bench/cases/35-batch-pool.mjs)\nversion: 1\n');
  writeFileSync(join(work, 'data', 'in.csv'), 'v\n1\n2\n3\n4\n');
  files.forEach((f, i) => writeFileSync(join(work, f), renderPipeline(i + 1)));
}

/** Run the batch; wall ms and the parsed JSON. */
function runBatch(args, env = {}) {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(
      process.execPath,
      [bin, 'run', ...files, '--parallel', String(parallel), '--json', '--logs-dir', 'logs', ...args],
      { cwd: work, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = performance.now() - t0;
      if (code !== 0)
        return reject(new Error(`batch ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      resolvePromise({ wall, batch: JSON.parse(stdout) });
    });
  });
}

const readJsonl = (path) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

/** Mean e2b_overhead_ms over the batch's sessions and the distinct sandboxes they used. */
function readSessions(batch) {
  let overhead = 0;
  const sandboxes = new Set();
  for (const p of batch.pipelines) {
    const dir = join(work, p.session_dir);
    overhead += readJsonl(join(dir, 'metrics.jsonl')).find((m) => m.metric === 'e2b_overhead_ms')?.value ?? 0;
    const use = readJsonl(join(dir, 'events.jsonl')).find(
      (e) => e.event === 'remote.sandbox_created' || e.event === 'remote.sandbox_reused',
    );
    if (use) sandboxes.add(use.sandbox_id);
  }
  return { meanOverheadMs: overhead / batch.pipelines.length, sandboxes: sandboxes.size };
}

const fmtS = (ms) => `${(ms / 1000).toFixed(2)} s`;
createProject();
const fake = await startFakeE2b(repoDir, work, { createsPerSecond: 5 });
const slowFake = await startFakeE2b(repoDir, work, { createsPerSecond: 1, createDelayMs: 500 });
const envOf = (f) => ({ E2B_API_KEY: f.apiKey, E2B_API_URL: f.apiUrl, E2B_SANDBOX_URL: f.sandboxUrl });
const e2b = ['--e2b', '--e2b-template', 'osiris'];
const results = { pipelines: count, parallel, runs: {} };
try {
  console.log(`batch: ${count} pipelines x 4 steps, --parallel ${parallel}`);
  await runBatch([]); // warm the page cache
  const anchor = await runBatch([]);
  results.runs['in process'] = { wall_ms: Math.round(anchor.wall) };
  console.log(
    `  in process                  ${fmtS(anchor.wall)}  (${fmtS(anchor.wall / count)} per pipeline)`,
  );
  const targets = [
    ['local sandbox', ['--sandbox', 'local'], {}],
    ['fake E2B 5/s', [...e2b, '--e2b-create-rate', '5'], envOf(fake)],
    ['fake E2B 1/s, 0.5 s creates', [...e2b, '--e2b-create-rate', '1'], envOf(slowFake)],
  ];
  for (const [name, args, env] of targets) {
    for (const [mode, extra] of [
      ['pool', []],
      ['one per pipeline', ['--no-sandbox-reuse']],
    ]) {
      const { wall, batch } = await runBatch([...args, ...extra], env);
      const { meanOverheadMs, sandboxes } = readSessions(batch);
      const addedMs = (wall - anchor.wall) / count;
      results.runs[`${name}, ${mode}`] = {
        wall_ms: Math.round(wall),
        added_per_pipeline_ms: Math.round(addedMs),
        mean_session_overhead_ms: Math.round(meanOverheadMs),
        sandboxes,
      };
      console.log(
        `  ${`${name}, ${mode}`.padEnd(46)} ${fmtS(wall)}  +${Math.round(addedMs)} ms per pipeline over in process` +
          `  session overhead ${Math.round(meanOverheadMs)} ms (mean)  ${sandboxes} sandboxes`,
      );
    }
  }
} finally {
  await fake.close();
  await slowFake.close();
}
if (process.env.OSIRIS_BENCH_RESULT)
  writeFileSync(process.env.OSIRIS_BENCH_RESULT, JSON.stringify(results, null, 2));
