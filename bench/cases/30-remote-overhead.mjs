#!/usr/bin/env node
// Remote execution overhead, through the real CLI: a 10-step pipeline (3 CSV extracts, a 3-input join, transforms,
// 2 CSV writers) run in process (`local`), in a local sandbox (`--sandbox local`) and on E2B through the offline
// fake (the real SDK over loopback HTTP). Reports:
//   - setup overhead: remote.worker_ready setup_ms = upload + worker start + ping + prepare (sandbox creation excluded,
//     reported apart as create_ms); e2b_overhead_ms includes creation
//   - per-step overhead: median over steps of (host round trip of the remote step) - (same step's duration locally),
//     and of (round trip) - (the step's duration measured inside the worker): the protocol's own cost
//   - artifact copy: a writer producing ~120 MB comes back through the archive (artifacts_copy_ms = download + unpack),
//     and the archive path alone (pack + unpack of 200 MB on this disk)
// Targets (issue 4): per-step overhead <= 10 ms median, setup <= 300 ms excluding sandbox creation, copy >= 100 MB/s.
// Needs `npm run build`. Env: OSIRIS_BENCH_REPS (default 5), OSIRIS_BENCH_BIG_ROWS (default 1000000).
// Standalone: node bench/cases/30-remote-overhead.mjs
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { startFakeE2b } from '../support/start-fake-e2b.mjs';

const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = dirname(benchDir);
const outDir = process.env.OSIRIS_BENCH_OUT ?? join(benchDir, 'out');
const reps = Number(process.env.OSIRIS_BENCH_REPS ?? 5);
const bigRows = Number(process.env.OSIRIS_BENCH_BIG_ROWS ?? 1_000_000);
const work = join(outDir, 'remote-overhead');
const bin = join(repoDir, 'bin', 'osiris.mjs');
if (!existsSync(join(repoDir, 'dist', 'worker', 'worker-main.mjs')))
  throw new Error('dist/worker is missing: run npm run build');

const extract = (id, file) =>
  `  - id: ${id}\n    component: filesystem.csv_extractor\n    mode: read\n    config: { path: data/${file} }\n`;
const transform = (id, needs, query) =>
  `  - id: ${id}\n    component: duckdb.processor\n    mode: transform\n    needs: [${needs}]\n    config: { query: "${query}" }\n`;
const writer = (id, needs, path) =>
  `  - id: ${id}\n    component: filesystem.csv_writer\n    mode: write\n    needs: [${needs}]\n    config: { path: ${path} }\n`;
const TEN_STEPS =
  'oml_version: "0.1.0"\nname: bench-ten-steps\nsteps:\n' +
  extract('e_people', 'people.csv') +
  extract('e_cities', 'cities.csv') +
  extract('e_countries', 'countries.csv') +
  transform(
    't_join',
    'e_people, e_cities, e_countries',
    'SELECT p.*, k.country, k.continent FROM e_people p JOIN e_cities c USING (city) JOIN e_countries k USING (country)',
  ) +
  transform('t_adults', 't_join', 'SELECT * FROM input_df WHERE age >= 18') +
  transform(
    't_by_country',
    't_adults',
    'SELECT country, continent, count(*) AS n, sum(balance) AS balance FROM input_df GROUP BY ALL',
  ) +
  transform('t_rank', 't_by_country', 'SELECT *, rank() OVER (ORDER BY balance DESC) AS rnk FROM input_df') +
  transform(
    't_stats',
    't_join, t_by_country',
    'SELECT (SELECT count(*) FROM t_join) AS people, (SELECT count(*) FROM t_by_country) AS countries',
  ) +
  writer('w_rank', 't_rank', 'out/rank.csv') +
  writer('w_stats', 't_stats', 'out/stats.csv');
const BIG_OUTPUT =
  'oml_version: "0.1.0"\nname: bench-big-output\nsteps:\n' +
  extract('e_cities', 'cities.csv') +
  transform(
    't_big',
    'e_cities',
    `SELECT i AS id, 'row ' || i AS label, i * 1.5 AS amount, repeat('x', 90) AS filler FROM range(${bigRows}) t(i)`,
  ) +
  writer('w_big', 't_big', 'out/big.csv');

function createProject() {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'data'), { recursive: true });
  writeFileSync(join(work, 'osiris.yaml'), 'version: 1\n');
  const cities = ['London,UK', 'Paris,FR', 'Accra,GH', 'Lima,PE', 'Oslo,NO'];
  const people = ['id,name,age,city,balance'];
  for (let i = 1; i <= 2000; i++)
    people.push(
      `${i},person ${i},${i % 90},${cities[i % cities.length].split(',')[0]},${(i * 3.25).toFixed(2)}`,
    );
  writeFileSync(join(work, 'data/people.csv'), `${people.join('\n')}\n`);
  writeFileSync(join(work, 'data/cities.csv'), `city,country\n${cities.join('\n')}\n`);
  writeFileSync(
    join(work, 'data/countries.csv'),
    'country,continent\nUK,Europe\nFR,Europe\nGH,Africa\nPE,South America\nNO,Europe\n',
  );
  writeFileSync(join(work, 'ten-steps.yaml'), TEN_STEPS);
  writeFileSync(join(work, 'big-output.yaml'), BIG_OUTPUT);
}

function runCli(args, env = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: work,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolvePromise(JSON.parse(stdout))
        : reject(new Error(`osiris ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`)),
    );
  });
}

const readJsonl = (path) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** One run: per-step local durations or remote round trips, and the remote phases. */
async function measure(file, target, env) {
  const args = ['run', file, '--json', '--logs-dir', 'logs'];
  if (target === 'sandbox-local') args.push('--sandbox', 'local');
  if (target === 'e2b') args.push('--e2b', '--e2b-template', 'osiris');
  const status = await runCli(args, env);
  const session = join(work, status.session_dir);
  const events = readJsonl(join(session, 'events.jsonl'));
  const metrics = readJsonl(join(session, 'metrics.jsonl'));
  const metric = (name) => metrics.find((m) => m.metric === name)?.value;
  const stepMs = Object.fromEntries(
    metrics.filter((m) => m.metric === 'step_duration_ms').map((m) => [m.step_id, m.value]),
  );
  const roundtrip = Object.fromEntries(
    events.filter((e) => e.event === 'remote.step_roundtrip').map((e) => [e.step_id, e.roundtrip_ms]),
  );
  const at = (name) => Date.parse(events.find((e) => e.event === name)?.ts ?? '');
  const lastCfg = Math.max(
    ...events.filter((e) => e.event === 'cfg_materialized').map((e) => Date.parse(e.ts)),
  );
  const lastStep = Math.max(
    ...events.filter((e) => e.event === 'remote.step_roundtrip').map((e) => Date.parse(e.ts)),
  );
  return {
    total: status.duration_ms,
    // adapter.prepare as the session shows it: last cfg_materialized -> first step_start
    prepareMs: at('step_start') - lastCfg,
    stepMs,
    roundtrip,
    createMs: events.find((e) => e.event === 'remote.sandbox_created')?.create_ms,
    uploadMs: events.find((e) => e.event === 'remote.upload_complete')?.upload_ms,
    setupMs: events.find((e) => e.event === 'remote.worker_ready')?.setup_ms,
    overheadMs: metric('e2b_overhead_ms'),
    copyMs: metric('artifacts_copy_ms'),
    copyBytes: metric('artifacts_bytes_total'),
    collectMs: at('remote.sandbox_killed') - lastStep,
  };
}

/** The archive path alone: pack a 200 MB artifact with the worker's code, unpack it with the host's. */
async function measureArchivePath() {
  const bundle = join(work, 'archive-bench.mjs');
  await build({
    entryPoints: [join(repoDir, 'src/remote/artifacts-archive.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: bundle,
    logLevel: 'warning',
  });
  const { writeArtifactsArchive, readArtifactsArchive } = await import(pathToFileURL(bundle).href);
  const root = join(work, 'archive-root');
  mkdirSync(join(root, 'artifacts', 'step'), { recursive: true });
  const block = Buffer.alloc(1 << 20, 'abcdefghijklmnopqrstuvwxyz0123456789\n');
  const parts = Array.from({ length: 200 }, () => block);
  writeFileSync(join(root, 'artifacts', 'step', 'big.bin'), Buffer.concat(parts));
  const t0 = performance.now();
  const packed = await writeArtifactsArchive(root, [], join(root, 'a.tar'));
  const t1 = performance.now();
  const back = join(work, 'archive-back');
  await readArtifactsArchive(createReadStream(join(root, 'a.tar')), {
    sessionDir: back,
    projectDir: join(back, 'project'),
  });
  const t2 = performance.now();
  if (
    sha256(join(back, 'artifacts', 'step', 'big.bin')) !== sha256(join(root, 'artifacts', 'step', 'big.bin'))
  )
    throw new Error('archive round trip changed the bytes');
  const mb = packed.bytes / 2 ** 20;
  rmSync(root, { recursive: true, force: true });
  rmSync(back, { recursive: true, force: true });
  return {
    mb,
    packMbS: mb / ((t1 - t0) / 1000),
    unpackMbS: mb / ((t2 - t1) / 1000),
    roundTripMbS: mb / ((t2 - t0) / 1000),
  };
}

const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

createProject();
const fake = await startFakeE2b(repoDir, work);
const e2bEnv = { E2B_API_KEY: fake.apiKey, E2B_API_URL: fake.apiUrl, E2B_SANDBOX_URL: fake.sandboxUrl };
const results = { reps, targets: {} };
try {
  await runCli(['run', 'ten-steps.yaml', '--json', '--logs-dir', 'logs']); // warm the page cache and the build
  const runs = { local: [], 'sandbox-local': [], e2b: [] };
  for (let r = 0; r < reps; r++) {
    for (const target of Object.keys(runs))
      runs[target].push(await measure('ten-steps.yaml', target, target === 'e2b' ? e2bEnv : {}));
  }
  console.log(`10-step pipeline, ${reps} runs per target (median):`);
  console.log(
    `  local in process: total ${median(runs.local.map((x) => x.total))} ms, prepare (drivers + DuckDB data plane) ${median(runs.local.map((x) => x.prepareMs))} ms`,
  );
  results.targets.local = {
    total_ms: median(runs.local.map((x) => x.total)),
    prepare_ms: median(runs.local.map((x) => x.prepareMs)),
  };
  for (const target of ['sandbox-local', 'e2b']) {
    const rs = runs[target];
    const vsLocal = [];
    const protocol = [];
    rs.forEach((x, i) => {
      for (const [step, rt] of Object.entries(x.roundtrip)) {
        vsLocal.push(rt - runs.local[i].stepMs[step]);
        protocol.push(rt - x.stepMs[step]);
      }
    });
    const figures = {
      total_ms: median(rs.map((x) => x.total)),
      create_ms: median(rs.map((x) => x.createMs)),
      upload_ms: median(rs.map((x) => x.uploadMs)),
      setup_ms_excluding_create: median(rs.map((x) => x.setupMs)),
      // what the remote prepare adds over the local one (which also loads DuckDB), creation excluded
      setup_ms_added_over_local: median(
        rs.map((x, i) => x.prepareMs - (x.createMs ?? 0) - runs.local[i].prepareMs),
      ),
      e2b_overhead_ms: median(rs.map((x) => x.overheadMs)),
      per_step_overhead_ms_vs_local: median(vsLocal),
      per_step_protocol_ms: median(protocol),
      collect_ms: median(rs.map((x) => x.collectMs)),
    };
    results.targets[target] = figures;
    console.log(
      `  ${target.padEnd(13)}: total ${figures.total_ms} ms | sandbox create ${figures.create_ms} ms | setup excl. create ${figures.setup_ms_excluding_create} ms (upload ${figures.upload_ms}), added over local prepare ${figures.setup_ms_added_over_local} ms [target <= 300]` +
        ` | e2b_overhead_ms ${figures.e2b_overhead_ms} | per-step overhead vs local ${fmt(figures.per_step_overhead_ms_vs_local)} ms [target <= 10], protocol only ${fmt(figures.per_step_protocol_ms)} ms | collect ${figures.collect_ms} ms`,
    );
  }

  const local = await measure('big-output.yaml', 'local', {});
  const localSha = sha256(join(work, 'out/big.csv'));
  for (const target of ['sandbox-local', 'e2b']) {
    rmSync(join(work, 'out/big.csv'), { force: true });
    const big = await measure('big-output.yaml', target, target === 'e2b' ? e2bEnv : {});
    if (sha256(join(work, 'out/big.csv')) !== localSha)
      throw new Error(`${target}: big.csv differs from the local run's`);
    const mb = big.copyBytes / 2 ** 20;
    results.targets[target].artifact_copy = {
      mb,
      copy_ms: big.copyMs,
      copy_mb_s: mb / (big.copyMs / 1000),
      collect_ms: big.collectMs,
      collect_mb_s: mb / (big.collectMs / 1000),
    };
    console.log(
      `  ${target.padEnd(13)}: writer output ${fmt(mb)} MB back byte-equal: download+unpack ${big.copyMs} ms = ${fmt(mb / (big.copyMs / 1000), 0)} MB/s [target >= 100]; whole collect (pack+download+unpack+kill) ${big.collectMs} ms = ${fmt(mb / (big.collectMs / 1000), 0)} MB/s; run ${big.total} ms vs local ${local.total} ms`,
    );
  }
  const archive = await measureArchivePath();
  results.archive_path = archive;
  console.log(
    `  archive path alone (${fmt(archive.mb, 0)} MB): pack ${fmt(archive.packMbS, 0)} MB/s, unpack ${fmt(archive.unpackMbS, 0)} MB/s, both ${fmt(archive.roundTripMbS, 0)} MB/s`,
  );
} finally {
  await fake.close();
  for (const name of readdirSync(work))
    if (name !== 'logs') rmSync(join(work, name), { recursive: true, force: true });
}
if (process.env.OSIRIS_BENCH_RESULT)
  writeFileSync(process.env.OSIRIS_BENCH_RESULT, `${JSON.stringify(results, null, 2)}\n`);
