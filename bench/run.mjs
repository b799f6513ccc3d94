#!/usr/bin/env node
// `npm run bench [-- FILTER]`: runs every bench/cases/*.mjs in name order, each in its own process, prints
// their lines, and writes bench/out/results.json. A case prints human-readable lines on stdout and may
// write its figures as JSON to $OSIRIS_BENCH_RESULT (they land under `cases[].results`).
// Benchmarks are measurements, not timed tests: nothing here fails on a slow figure.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const outDir = join(benchDir, 'out');
const filter = process.argv[2];
mkdirSync(outDir, { recursive: true });

const cases = readdirSync(join(benchDir, 'cases'))
  .filter((name) => name.endsWith('.mjs') && (!filter || name.includes(filter)))
  .sort();
const report = {
  started_at: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  memory_gb: Math.round(totalmem() / 2 ** 30),
  cases: [],
};

function runCase(file) {
  const resultFile = join(outDir, `${basename(file, '.mjs')}.result.json`);
  rmSync(resultFile, { force: true });
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [file], {
      cwd: dirname(benchDir),
      env: { ...process.env, OSIRIS_BENCH_RESULT: resultFile, OSIRIS_BENCH_OUT: outDir },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('close', (code, signal) => {
      const results = existsSync(resultFile) ? JSON.parse(readFileSync(resultFile, 'utf8')) : null;
      resolve({
        name: basename(file),
        exit_code: code,
        signal,
        duration_s: +((performance.now() - t0) / 1000).toFixed(1),
        results,
      });
    });
  });
}

let failed = 0;
for (const name of cases) {
  console.log(`\n== ${name}`);
  const outcome = await runCase(join(benchDir, 'cases', name));
  if (outcome.exit_code !== 0) failed++;
  report.cases.push(outcome);
  console.log(
    `== ${name}: ${outcome.exit_code === 0 ? 'done' : `FAILED (exit ${outcome.exit_code ?? outcome.signal})`} in ${outcome.duration_s} s`,
  );
}
report.finished_at = new Date().toISOString();
writeFileSync(join(outDir, 'results.json'), JSON.stringify(report, null, 2) + '\n');
console.log(`\nresults: ${join('bench', 'out', 'results.json')} (${cases.length} case(s), ${failed} failed)`);
process.exitCode = failed ? 1 : 0;
