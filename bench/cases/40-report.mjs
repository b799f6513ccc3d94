#!/usr/bin/env node
// Run report at scale: a synthetic 200-step session with 100,000 events (shaped like the runtime's:
// same event names, fields and order; most are write.progress lines) -> renderSessionReport -> page size,
// render time, and time-to-interactive in real headless Chromium (Debian /usr/bin/chromium via
// playwright-core): from navigation start to the page script's `osiris-ready` mark, i.e. the event list
// decoded, indexed and its first rows drawn. Also the cost of a filter click and a text search over all
// events. Targets (issue 5): page < 5 MB, interactive < 2 s. A measurement, not a timed test.
// Env: OSIRIS_BENCH_REPORT_EVENTS (default 100000), OSIRIS_BENCH_REPORT_STEPS (default 200).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { stringify } from 'yaml';

const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = dirname(benchDir);
const outDir = join(process.env.OSIRIS_BENCH_OUT ?? join(benchDir, 'out'), 'report');
const STEPS = Number(process.env.OSIRIS_BENCH_REPORT_STEPS ?? 200);
const EVENTS = Number(process.env.OSIRIS_BENCH_REPORT_EVENTS ?? 100_000);
const LOADS = 3;

// The report module straight from src/ (the CLI bundle does not export it).
async function loadReportModule() {
  const dir = mkdtempSync(join(tmpdir(), 'osiris-bench-report-'));
  const file = join(dir, 'report.mjs');
  await build({
    entryPoints: [join(repoDir, 'src/report/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: file,
    logLevel: 'warning',
    banner: {
      js: "import { createRequire as __req } from 'node:module'; const require = __req(import.meta.url);",
    },
  });
  const mod = await import(pathToFileURL(file).href);
  rmSync(dir, { recursive: true, force: true });
  return mod;
}

function createSnapshot() {
  const id = 'run_1763794801000';
  let now = 1763794801000;
  const events = [];
  const metrics = [];
  const ev = (event, fields = {}, ms = 1) =>
    events.push({ ts: new Date((now += ms)).toISOString(), session: id, event, ...fields });
  const me = (metric, value, unit, extra = {}) =>
    metrics.push({ ts: new Date(now).toISOString(), session: id, metric, value, unit, ...extra });
  const drivers = ['filesystem.csv_extractor', 'duckdb.processor', 'filesystem.csv_writer'];
  const steps = Array.from({ length: STEPS }, (_, i) => {
    const mode = i % 10 === 0 ? 'read' : i % 10 === 9 ? 'write' : 'transform';
    const needs =
      mode === 'read'
        ? []
        : i % 7 === 3 && i > 10
          ? [`step-${String(i - 1).padStart(3, '0')}`, `step-${String(i - 10).padStart(3, '0')}`]
          : [`step-${String(i - 1).padStart(3, '0')}`];
    return {
      id: `step-${String(i).padStart(3, '0')}`,
      component: drivers[mode === 'read' ? 0 : mode === 'write' ? 2 : 1],
      mode,
      needs,
    };
  });
  const manifest = {
    meta: { compiler_version: '0.1.0', oml_version: '0.1.0', profile: 'default' },
    pipeline: {
      id: 'bench-report',
      name: 'bench report',
      fingerprints: { manifest_fp: `sha256:${'a'.repeat(64)}` },
    },
    steps: steps.map((s) => ({ ...s, driver: s.component, cfg_path: `cfg/${s.id}.json` })),
  };
  ev(
    'run_start',
    {
      pipeline_id: 'bench-report',
      manifest_fp: manifest.pipeline.fingerprints.manifest_fp,
      steps_total: STEPS,
    },
    0,
  );
  ev('manifest_materialized', { path: 'manifest.yaml', sha256: `sha256:${'b'.repeat(64)}` });
  for (const s of steps)
    ev('cfg_materialized', { step_id: s.id, path: `cfg/${s.id}.json`, sha256: `sha256:${'c'.repeat(64)}` });
  for (const d of drivers) ev('driver_registered', { driver: d, status: 'ok' });
  ev('drivers_registered', { drivers });
  const fixed = events.length + 3; // + cleanup_start, cleanup_complete, run_end
  const perStep = Math.floor((EVENTS - fixed) / STEPS);
  let extra = EVENTS - fixed - perStep * STEPS;
  const artifacts = [];
  for (const s of steps) {
    const start = now;
    ev('step_start', { step_id: s.id, driver: s.component }, 2);
    ev('artifacts_dir_created', { step_id: s.id, path: `artifacts/${s.id}` });
    ev('cfg_opened', { step_id: s.id, path: `cfg/${s.id}.json` });
    ev('config_meta_stripped', { step_id: s.id, keys: ['_component', '_mode', '_step'] });
    if (s.needs.length)
      ev('inputs_resolved', {
        step_id: s.id,
        inputs: Object.fromEntries(s.needs.map((n) => [n, { from_step: n, key: 'df' }])),
      });
    const cleaned = `${JSON.stringify({ path: `data/${s.id}.csv`, query: `SELECT * FROM input_df -- ${s.id}` }, null, 2)}\n`;
    artifacts.push({
      path: `artifacts/${s.id}/cleaned_config.json`,
      size: cleaned.length,
      sha256: `sha256:${'d'.repeat(64)}`,
      preview: cleaned,
    });
    ev('artifact_created', {
      step_id: s.id,
      path: `artifacts/${s.id}/cleaned_config.json`,
      type: 'cleaned_config',
    });
    const progress = perStep - (s.needs.length ? 8 : 7) + (extra-- > 0 ? 1 : 0);
    const rows = 50_000 + ((s.id.length * 7919 + Number(s.id.slice(5)) * 104729) % 950_000);
    for (let k = 1; k <= progress; k++)
      ev('write.progress', { step_id: s.id, rows_written: Math.round((rows * k) / (progress + 1)) }, 1000);
    ev('write.complete', { step_id: s.id, rows_written: rows, target: `out/${s.id}.csv` });
    const duration = now - start + 3;
    if (s.mode === 'read') me('rows_read', rows, 'rows', { step_id: s.id });
    if (s.mode === 'write') me('rows_written', rows, 'rows', { step_id: s.id });
    me('rows_processed', rows, 'rows', { step_id: s.id });
    me('step_duration_ms', duration, 'ms', { step_id: s.id });
    ev('step_complete', { step_id: s.id, rows_processed: rows, duration_ms: duration }, 3);
  }
  ev('cleanup_start');
  ev('cleanup_complete');
  const durationMs = now - 1763794801000 + 1;
  for (const [m, v, u] of [
    ['steps_total', STEPS, 'steps'],
    ['steps_completed', STEPS, 'steps'],
    ['execution_duration', durationMs / 1000, 'seconds'],
    ['adapter_exit_code', 0, 'code'],
    ['session_duration_seconds', durationMs / 1000, 'seconds'],
  ])
    me(m, v, u);
  ev('run_end', { status: 'success', exit_code: 0, duration_ms: durationMs });
  const status = {
    session_id: id,
    status: 'success',
    ok: true,
    exit_code: 0,
    adapter: 'local',
    pipeline_id: 'bench-report',
    steps_total: STEPS,
    steps_completed: STEPS,
    started_at: new Date(1763794801000).toISOString(),
    finished_at: new Date(now).toISOString(),
    duration_ms: durationMs,
    rows_read: 0,
    rows_written: 0,
  };
  return { id, dir: join(outDir, id), status, events, metrics, manifestText: stringify(manifest), artifacts };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const { renderSessionReport } = await loadReportModule();
const snapshot = createSnapshot();
const t0 = performance.now();
const html = renderSessionReport(snapshot);
const renderMs = performance.now() - t0;
mkdirSync(outDir, { recursive: true });
const file = join(outDir, 'report-200-steps.html');
writeFileSync(file, html);
const bytes = Buffer.byteLength(html);

const profile = mkdtempSync(join(tmpdir(), 'osiris-bench-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width: 1400, height: 900 },
});
const loads = [];
const leaks = [];
try {
  for (let i = 0; i < LOADS; i++) {
    const page = await context.newPage();
    page.on('request', (r) => r.url().startsWith('file:') || leaks.push(r.url()));
    page.on('pageerror', (e) => leaks.push(`page error: ${e.message}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const ready = performance.getEntriesByName('osiris-ready')[0];
      return { ready: ready?.startTime, dcl: nav?.domContentLoadedEventEnd, load: nav?.loadEventEnd };
    });
    // a filter click and a full-text search over every event, measured inside the page
    const filterMs = await page.evaluate(() => {
      const t = performance.now();
      document.querySelector('#ev-chips .chip[data-event="step_complete"]').click();
      return performance.now() - t;
    });
    const filtered = await page.textContent('#ev-count');
    await page.click('#ev-reset');
    const searchMs = await page.evaluate(
      () =>
        new Promise((done) => {
          const input = document.getElementById('ev-search');
          const count = document.getElementById('ev-count');
          const t = performance.now();
          new MutationObserver(() => done(performance.now() - t - 150)).observe(count, {
            childList: true,
            characterData: true,
            subtree: true,
          });
          input.value = 'step-150';
          input.dispatchEvent(new Event('input'));
        }),
    );
    loads.push({ ...timing, filterMs, searchMs, filtered });
    await page.close();
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

const result = {
  steps: STEPS,
  events: snapshot.events.length,
  metrics: snapshot.metrics.length,
  page_bytes: bytes,
  page_mb: +(bytes / 1024 / 1024).toFixed(2),
  render_ms: Math.round(renderMs),
  interactive_ms: Math.round(median(loads.map((l) => l.ready))),
  dom_content_loaded_ms: Math.round(median(loads.map((l) => l.dcl))),
  load_ms: Math.round(median(loads.map((l) => l.load))),
  filter_click_ms: +median(loads.map((l) => l.filterMs)).toFixed(1),
  search_ms_excluding_debounce: +median(loads.map((l) => l.searchMs)).toFixed(1),
  loads: LOADS,
  non_file_requests: leaks.length,
  targets: { page_mb: 5, interactive_ms: 2000 },
};
console.log(`report: ${result.steps} steps, ${result.events} events, ${result.metrics} metrics -> ${file}`);
console.log(
  `  page size         ${result.page_mb} MB   (target < 5 MB: ${result.page_mb < 5 ? 'met' : 'MISSED'})`,
);
console.log(`  render (node)     ${result.render_ms} ms`);
console.log(
  `  interactive       ${result.interactive_ms} ms median of ${LOADS} loads (target < 2000 ms: ${result.interactive_ms < 2000 ? 'met' : 'MISSED'}); DOMContentLoaded ${result.dom_content_loaded_ms} ms, load ${result.load_ms} ms`,
);
console.log(`  filter click      ${result.filter_click_ms} ms (${loads[0]?.filtered})`);
console.log(
  `  text search       ${result.search_ms_excluding_debounce} ms over all events (after the 150 ms input debounce)`,
);
console.log(`  requests leaving the file: ${result.non_file_requests}`);
if (process.env.OSIRIS_BENCH_RESULT)
  writeFileSync(process.env.OSIRIS_BENCH_RESULT, `${JSON.stringify(result, null, 2)}\n`);
if (leaks.length > 0) {
  console.error(leaks.join('\n'));
  process.exitCode = 1;
}
