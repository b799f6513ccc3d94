import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { listSecretForms } from '../../src/core/index.js';
import {
  renderComparisonReport,
  renderSessionIndex,
  renderSessionReport,
  summarizeSession,
  compareSessions,
} from '../../src/report/index.js';
import { THREE_STEPS, buildSnapshot } from './build-snapshot.js';

function inlineScripts(html: string): string[] {
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] as string);
}

describe('renderSessionReport', () => {
  it('is one self-contained document whose CSP allows exactly its inline script and no fetch', () => {
    const html = renderSessionReport(buildSnapshot({ steps: THREE_STEPS }));
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<link\b|<img\b|<iframe\b|\bsrc=|@import|url\((?!#)/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/); // the SVG namespace is a name, not a request
    const scripts = inlineScripts(html);
    expect(scripts).toHaveLength(1);
    const hash = createHash('sha256')
      .update(scripts[0] as string)
      .digest('base64');
    const csp =
      /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1]?.replace(/&#39;/g, "'") ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
  });

  it('is deterministic: the same session gives the same bytes', () => {
    const snapshot = buildSnapshot({ steps: THREE_STEPS, remote: 'e2b' });
    expect(renderSessionReport(snapshot)).toBe(renderSessionReport(structuredClone(snapshot)));
  });

  it('escapes user data in markup and keeps the embedded JSON unbreakable', () => {
    const snapshot = buildSnapshot({
      steps: THREE_STEPS,
      failAt: 'adults',
      failMessage: 'bad </script><script>alert(1)</script> & "q" <!-- x',
    });
    const html = renderSessionReport(snapshot);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<!-- x');
    expect(html).toContain('bad &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;');
    const json =
      /<script type="application\/json" id="events-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const data = JSON.parse(json) as { names: string[]; rows: unknown[][] };
    expect(data.rows).toHaveLength(snapshot.events.length);
    expect(JSON.stringify(data)).toContain('bad </script><script>alert(1)</script>');
  });

  it('adds no secret: a canary in the environment never reaches the page, and only what the session holds is shown', () => {
    const canary = 'Canary-Env-Only-9x!';
    process.env.OSIRIS_REPORT_TEST_SECRET = canary;
    try {
      const snapshot = buildSnapshot({ steps: THREE_STEPS, remote: 'local' });
      const pages = [
        renderSessionReport(snapshot),
        renderSessionIndex([{ id: snapshot.id, status: snapshot.status, href: 'x.html' }]),
        renderComparisonReport(compareSessions(snapshot, snapshot)),
      ];
      for (const page of pages) for (const form of listSecretForms(canary)) expect(page).not.toContain(form);
    } finally {
      delete process.env.OSIRIS_REPORT_TEST_SECRET;
    }
  });

  it('keeps a 1 MB error line from bloating the page', () => {
    const huge = `boom ${'x'.repeat(1024 * 1024)}`;
    const html = renderSessionReport(
      buildSnapshot({ steps: THREE_STEPS, failAt: 'adults', failMessage: huge }),
    );
    expect(html.length).toBeLessThan(200_000);
    expect(html).toContain('more characters');
  });

  it('shows a session without status.json as incomplete with the unfinished step', () => {
    const snapshot = buildSnapshot({ steps: THREE_STEPS });
    snapshot.status = undefined;
    snapshot.events = snapshot.events.slice(
      0,
      snapshot.events.findIndex((e) => e.event === 'step_complete' && e.step_id === 'adults'),
    );
    const model = summarizeSession(snapshot);
    expect(model.state).toBe('incomplete');
    expect(model.steps.map((s) => s.state)).toEqual(['success', 'running', 'not_run']);
    const html = renderSessionReport(snapshot);
    expect(html).toContain('status.json is missing');
    expect(html).toContain('data-state="running"');
  });

  it('falls back to the steps the events name when the manifest is missing', () => {
    const snapshot = buildSnapshot({ steps: THREE_STEPS });
    snapshot.manifestText = '';
    const model = summarizeSession(snapshot);
    expect(model.manifestProblem).toMatch(/missing/);
    expect(model.steps.map((s) => [s.id, s.driver, s.state])).toEqual([
      ['extract-people', 'filesystem.csv_extractor', 'success'],
      ['adults', 'duckdb.processor', 'success'],
      ['write-adults', 'filesystem.csv_writer', 'success'],
    ]);
  });
});

describe('summarizeSession', () => {
  it('derives rows in/out, durations and errors per step', () => {
    const model = summarizeSession(buildSnapshot({ steps: THREE_STEPS, failAt: 'write-adults' }));
    expect(model.steps.map((s) => [s.id, s.state, s.rowsIn, s.rowsOut])).toEqual([
      ['extract-people', 'success', 4, 4],
      ['adults', 'success', 4, 3],
      ['write-adults', 'failed', 3, undefined],
    ]);
    expect(model.steps[2]?.error).toMatchObject({ code: 'sql_error' });
    expect(model.steps[1]?.durationMs).toBeGreaterThan(0);
    expect(model.remote).toBeUndefined();
  });

  it('breaks a remote run into its overhead phases', () => {
    const model = summarizeSession(buildSnapshot({ steps: THREE_STEPS, remote: 'e2b' }));
    expect(model.adapter).toBe('remote');
    expect(model.transport).toBe('e2b');
    const phases = Object.fromEntries(model.remote?.phases.map((p) => [p.label, p.ms]) ?? []);
    expect(phases).toMatchObject({ 'sandbox create': 120, upload: 40, 'worker start': 30, download: 12 });
    expect(phases['dependencies + prepare']).toBeGreaterThan(0);
    expect(phases.steps).toBeGreaterThan(0);
    expect(model.remote).toMatchObject({
      overheadMs: 190,
      files: 3,
      dependencies: { missing: [], present: ['@duckdb/node-api'] },
    });
  });
});

describe('renderSessionIndex', () => {
  it('lists each session with its link and offers filters of the values present', () => {
    const ok = buildSnapshot({ id: 'run_1', steps: THREE_STEPS });
    const failed = buildSnapshot({ id: 'run_2', steps: THREE_STEPS, failAt: 'adults', remote: 'e2b' });
    const html = renderSessionIndex([
      { id: 'run_2', status: failed.status, href: 'run_2/report.html' },
      { id: 'run_1', status: ok.status, href: 'run_1/report.html' },
      { id: 'run_0', status: undefined, href: 'run_0/report.html' },
    ]);
    expect(
      [...html.matchAll(/<tr data-session="([^"]+)" data-status="([^"]+)"/g)].map((m) => [m[1], m[2]]),
    ).toEqual([
      ['run_2', 'failed'],
      ['run_1', 'success'],
      ['run_0', 'incomplete'],
    ]);
    expect(html).toContain('<a href="run_1/report.html">run_1</a>');
    expect(html).toMatch(
      /id="filter-adapter"><option value="">all<\/option><option value="local">local<\/option><option value="remote">remote<\/option><option value="unknown">/,
    );
  });
});
