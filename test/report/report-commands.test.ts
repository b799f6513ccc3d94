// `osiris logs html|compare` through registerReportCommands on session directories written to disk.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionSnapshot } from '../../src/core/index.js';
import { THREE_STEPS, buildSnapshot } from './build-snapshot.js';
import { runReportCli } from './run-report-cli.js';

function writeSession(logsDir: string, s: SessionSnapshot): string {
  const dir = join(logsDir, s.id);
  mkdirSync(join(dir, 'cfg'), { recursive: true });
  writeFileSync(
    join(dir, 'events.jsonl'),
    s.events.map((e) => `${JSON.stringify({ ...e, session: s.id })}\n`).join(''),
  );
  writeFileSync(
    join(dir, 'metrics.jsonl'),
    s.metrics.map((m) => `${JSON.stringify({ ...m, session: s.id })}\n`).join(''),
  );
  writeFileSync(join(dir, 'manifest.yaml'), s.manifestText);
  if (s.status)
    writeFileSync(join(dir, 'status.json'), JSON.stringify({ ...s.status, session_id: s.id }, null, 2));
  for (const a of s.artifacts) {
    mkdirSync(dirname(join(dir, a.path)), { recursive: true });
    writeFileSync(join(dir, a.path), a.preview ?? '');
  }
  return dir;
}

let cwd: string;
let logsDir: string;

beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'osiris-report-cli-'));
  logsDir = join(cwd, 'logs');
  writeSession(logsDir, buildSnapshot({ id: 'run_1000', steps: THREE_STEPS }));
  writeSession(logsDir, buildSnapshot({ id: 'run_2000', steps: THREE_STEPS, remote: 'local', jitterMs: 40 }));
  writeSession(logsDir, buildSnapshot({ id: 'run_3000', steps: THREE_STEPS, failAt: 'adults' }));
});

afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('osiris logs html', () => {
  it('writes the newest session page to <session>/report.html by default', async () => {
    const r = await runReportCli(['html'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('wrote logs/run_3000/report.html (run_3000)\n');
    expect(readFileSync(join(logsDir, 'run_3000', 'report.html'), 'utf8')).toContain('data-state="failed"');
  });

  it('takes a session id, a bare number or a directory, --out FILE and --json', async () => {
    const out = join(cwd, 'pages', 'one.html');
    const r = await runReportCli(['html', '1000', '--out', 'pages/one.html', '--json'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, session_id: 'run_1000', report: out });
    expect(readFileSync(out, 'utf8')).toContain('<title>report-test · run_1000 · success</title>');
    const byDir = await runReportCli(['html', 'logs/run_2000', '--out', 'pages/two.html'], cwd);
    expect(byDir.code, byDir.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'pages', 'two.html'), 'utf8')).toContain('Remote · local');
  });

  it('refuses contradictory or unknown sessions with exit 2', async () => {
    const both = await runReportCli(['html', 'run_1000', '--last'], cwd);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('not both');
    const unknown = await runReportCli(['html', 'run_42', '--json'], cwd);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ ok: false, error: { code: 'usage' } });
    const empty = await runReportCli(['html', '--logs-dir', join(cwd, 'nothing-here')], cwd);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no sessions');
  });

  it('--all writes an index plus one page per session, into --out DIR when given', async () => {
    const r = await runReportCli(['html', '--all', '--out', 'site', '--json'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      index: string;
      reports: Array<{ session_id: string; report: string }>;
    };
    expect(out.index).toBe(join(cwd, 'site', 'index.html'));
    expect(out.reports.map((p) => p.session_id)).toEqual(['run_3000', 'run_2000', 'run_1000']);
    const index = readFileSync(out.index, 'utf8');
    for (const id of ['run_1000', 'run_2000', 'run_3000']) {
      expect(index).toContain(`<a href="${id}.html">${id}</a>`);
      expect(readFileSync(join(cwd, 'site', `${id}.html`), 'utf8')).toContain(
        '<a href="index.html" id="index-link">',
      );
    }
    const inPlace = await runReportCli(['html', '--all'], cwd);
    expect(inPlace.code).toBe(0);
    expect(readFileSync(join(logsDir, 'index.html'), 'utf8')).toContain('<a href="run_1000/report.html">');
    expect(readFileSync(join(logsDir, 'run_1000', 'report.html'), 'utf8')).toContain(
      '<a href="../index.html" id="index-link">',
    );
  });

  it('--open never fails the command, even without xdg-open', async () => {
    // a PATH without xdg-open: the spawn fails, the command must not
    const r = await runReportCli(['html', 'run_1000', '--open', '--out', 'opened.html'], cwd, {
      PATH: join(cwd, 'no-bin'),
    });
    expect(r.code).toBe(0);
    expect(existsSync(join(cwd, 'opened.html'))).toBe(true);
  });
});

describe('osiris logs compare', () => {
  it('exits 0 for equal sessions (local vs remote) and prints the verdict', async () => {
    const r = await runReportCli(['compare', 'run_1000', 'run_2000'], cwd);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('EQUAL: no difference after normalization');
  });

  it('exits 1 on a difference; --json prints one object; --html writes the parity view', async () => {
    const r = await runReportCli(['compare', 'run_1000', 'run_3000', '--json', '--html', 'parity.html'], cwd);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ equal: false, exit_code: 1, html: join(cwd, 'parity.html') });
    expect(out.eventCounts.find((e: { event: string }) => e.event === 'step_failed')).toEqual({
      event: 'step_failed',
      a: 0,
      b: 1,
      ignored: false,
    });
    expect(readFileSync(join(cwd, 'parity.html'), 'utf8')).toContain('id="verdict">DIFFERENT');
    const text = await runReportCli(['compare', 'run_1000', 'run_3000'], cwd);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/DIFFERENT: \d+ difference\(s\)\n/);
    expect(text.stdout).toContain('artifact artifacts/write-adults/cleaned_config.json: only in A');
  });

  it('fails with exit 2 when a session does not exist', async () => {
    const r = await runReportCli(['compare', 'run_1000', 'run_9'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no session 'run_9'");
  });
});
