// Browser tests of the HTML report in real headless Chromium, on real sessions from the real CLI.
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRecord } from '../../src/core/index.js';
import { listSecretForms } from '../../src/core/index.js';
import { readEvents } from '../../src/session/index.js';
import type { OpenBrowser } from './open-report.js';
import { launchBrowser, openReport, saveScreenshot } from './open-report.js';
import type { ProducedSessions } from './produce-sessions.js';
import { CANARY_PASSWORD, produceSessions } from './produce-sessions.js';
import { runReportCli } from './run-report-cli.js';

let s: ProducedSessions;
let browser: OpenBrowser;
const cliOutput: string[] = [];

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runReportCli([...args, '--logs-dir', s.logsDir], s.project);
  cliOutput.push(r.stdout, r.stderr);
  return r;
}

const report = (dir: string): string => join(dir, 'report.html');

async function rowStates(page: Page): Promise<Array<[string, string]>> {
  return page.$$eval('#step-table tbody tr', (rows) =>
    rows.map((r) => [r.getAttribute('data-step') ?? '', r.getAttribute('data-state') ?? '']),
  );
}

beforeAll(async () => {
  s = await produceSessions();
  for (const dir of [s.ok, s.failed, s.remoteOk, s.remoteFailed, s.e2bOk, s.canary]) {
    const r = await cli(['html', dir]);
    expect(r.code, r.stderr).toBe(0);
  }
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (s) rmSync(s.project, { recursive: true, force: true });
});

describe('session report in headless Chromium', () => {
  it('successful local session: loads offline, one row and one bar per step', async () => {
    const { page, problems, requests } = await openReport(browser, report(s.ok));
    const status = JSON.parse(readFileSync(join(s.ok, 'status.json'), 'utf8'));
    expect(await page.textContent('#run-status')).toBe('success');
    expect(await page.textContent('#run-adapter')).toBe('Local');
    expect(await page.textContent('#rows-read')).toBe(String(status.rows_read));
    expect(await page.textContent('#rows-written')).toBe(String(status.rows_written));
    expect(await rowStates(page)).toEqual([
      ['extract-people', 'success'],
      ['extract-cities', 'success'],
      ['adults-by-country', 'success'],
      ['write-report', 'success'],
    ]);
    expect(
      await page.$$eval('#timeline-bars .tl-bar', (bars) => bars.map((b) => b.getAttribute('data-step'))),
    ).toEqual(['extract-people', 'extract-cities', 'adults-by-country', 'write-report']);
    expect(await page.locator('#step-graph .node').count()).toBe(4);
    expect(await page.locator('#step-graph .edge').count()).toBe(3); // join needs 2 inputs, the writer 1
    expect(await page.locator('#artifact-tree li[data-path$="cleaned_config.json"]').count()).toBe(4);
    expect(await page.textContent('#manifest-text')).toContain('adults-by-country');
    await saveScreenshot(page, 'local-success');
    expect(problems).toEqual([]);
    expect(requests).toEqual([expect.stringMatching(/^file:.*report\.html$/)]);
    await page.close();
  });

  it('failed session: the failed step and its error are visible, later steps not run', async () => {
    const { page, problems } = await openReport(browser, report(s.failed));
    expect(await page.textContent('#run-status')).toBe('failed');
    expect(await rowStates(page)).toEqual([
      ['extract-people', 'success'],
      ['extract-cities', 'success'],
      ['adults-by-country', 'failed'],
      ['write-report', 'not_run'],
    ]);
    expect(await page.locator('#timeline-bars .tl-bar').count()).toBe(3);
    expect(await page.locator('#timeline-bars .tl-bar.state-failed').getAttribute('data-step')).toBe(
      'adults-by-country',
    );
    const cell = page.locator('#step-table tr[data-step="adults-by-country"] td.err');
    await expect.poll(() => cell.isVisible()).toBe(true);
    expect(await cell.textContent()).toMatch(/sql_error.*no_such_column/s);
    expect(await page.locator('#run-error').isVisible()).toBe(true);
    expect(await page.textContent('#run-error')).toContain('no_such_column');
    await saveScreenshot(page, 'local-failed');
    expect(problems).toEqual([]);
    await page.close();
  });

  it.each([
    ['local', 'remote-success'],
    ['e2b', 'e2b-success'],
  ])('remote session (%s transport): badge, overhead breakdown, same steps', async (transport, shot) => {
    const { page, problems } = await openReport(browser, report(transport === 'e2b' ? s.e2bOk : s.remoteOk));
    expect(await page.textContent('#run-adapter')).toBe(`Remote · ${transport}`);
    expect(await rowStates(page)).toEqual([
      ['extract-people', 'success'],
      ['extract-cities', 'success'],
      ['adults-by-country', 'success'],
      ['write-report', 'success'],
    ]);
    expect(await page.locator('#timeline-bars .tl-bar').count()).toBe(4);
    const phases = await page.$$eval('#overhead-table tbody tr', (rows) =>
      rows.map((r) => [r.getAttribute('data-phase'), r.cells[1]?.textContent]),
    );
    expect(phases.map((p) => p[0])).toEqual([
      'sandbox create',
      'upload',
      'worker start',
      'dependencies + prepare',
      'steps',
      'download',
    ]);
    for (const [, time] of phases) expect(time).toMatch(/^\d+(\.\d+)? (ms|s)$/);
    await saveScreenshot(page, shot);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('failed remote session: the failed step and its error', async () => {
    const failed = await openReport(browser, report(s.remoteFailed));
    expect((await rowStates(failed.page)).map((r) => r[1])).toEqual([
      'success',
      'success',
      'failed',
      'not_run',
    ]);
    expect(await failed.page.locator('#timeline-bars .tl-bar').count()).toBe(3);
    expect(await failed.page.textContent('#step-table tr[data-step="adults-by-country"] td.err')).toContain(
      'no_such_column',
    );
    await saveScreenshot(failed.page, 'remote-failed');
    expect(failed.problems).toEqual([]);
    await failed.page.close();
  });

  it('event filters: chips, step select, text search, step links, row detail', async () => {
    const events = readEvents(s.ok);
    const { page, problems } = await openReport(browser, report(s.ok));
    const count = () => page.textContent('#ev-count');
    const shown = () =>
      page.$$eval('#ev-spacer .ev-row', (rows) => rows.map((r) => r.getAttribute('data-event')));
    expect(await count()).toBe(`${events.length} events`);

    await page.click('#ev-chips .chip[data-event="step_start"]');
    expect(await count()).toBe(`4 of ${events.length} events`);
    expect(await shown()).toEqual(['step_start', 'step_start', 'step_start', 'step_start']);
    expect(await page.getAttribute('#ev-chips .chip[data-event="step_start"]', 'aria-pressed')).toBe('true');
    await page.click('#ev-chips .chip[data-event="step_complete"]');
    expect(await count()).toBe(`8 of ${events.length} events`);

    await page.click('#ev-reset');
    await page.selectOption('#ev-step', 'write-report');
    const writer = events.filter((e: EventRecord) => e.step_id === 'write-report');
    expect(await count()).toBe(`${writer.length} of ${events.length} events`);
    expect(await shown()).toEqual(writer.map((e) => e.event));

    await page.fill('#ev-search', 'write.complete');
    await expect.poll(count).toBe(`1 of ${events.length} events`);
    await page.click('#ev-spacer .ev-row');
    const detail = JSON.parse((await page.textContent('#ev-detail')) ?? '{}');
    const original = events.find((e) => e.event === 'write.complete') as EventRecord;
    expect(detail).toEqual({
      ts: original.ts,
      event: 'write.complete',
      step_id: 'write-report',
      rows_written: original.rows_written,
      target: original.target,
    });

    await page.click('#ev-reset');
    await page.click('#step-table button[data-filter-step="adults-by-country"]');
    expect(await page.inputValue('#ev-step')).toBe('adults-by-country');
    expect(await count()).toBe(
      `${events.filter((e) => e.step_id === 'adults-by-country').length} of ${events.length} events`,
    );
    await saveScreenshot(page, 'event-filters', false);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('index of all sessions: filters, sorting and links to each page', async () => {
    const r = await cli(['html', '--all', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.reports).toHaveLength(6);
    const { page, problems } = await openReport(browser, out.index);
    const visible = () =>
      page.$$eval('#session-index tbody tr:not([hidden])', (rows) =>
        rows.map((row) => row.getAttribute('data-session')),
      );
    expect(await visible()).toHaveLength(6);
    await page.selectOption('#filter-status', 'failed');
    const failedIds = [s.failed, s.remoteFailed, s.canary].map((d) => d.split('/').pop());
    expect((await visible()).sort()).toEqual(failedIds.sort());
    await page.selectOption('#filter-adapter', 'remote');
    expect(await visible()).toEqual([s.remoteFailed.split('/').pop()]);
    await page.selectOption('#filter-status', '');
    await page.selectOption('#filter-adapter', '');
    await page.selectOption('#filter-pipeline', 'pg-canary');
    expect(await visible()).toEqual([s.canary.split('/').pop()]);
    await page.selectOption('#filter-pipeline', '');
    await page.click('#session-index th:has-text("rows written")');
    const written = await page.$$eval('#session-index tbody tr', (rows) =>
      rows.map((row) => Number(row.cells[8]?.getAttribute('data-value'))),
    );
    expect(written).toEqual([...written].sort((a, b) => a - b));
    await saveScreenshot(page, 'index');
    await page.click(`#session-index a:has-text("${s.ok.split('/').pop()}")`);
    await page.waitForSelector('body[data-ready="1"][data-page="session"]');
    expect(await page.textContent('#run-status')).toBe('success');
    await page.click('#index-link');
    await page.waitForSelector('body[data-page="index"]');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('parity view: equal local vs remote, different local vs failed', async () => {
    const equalFile = join(s.project, 'parity-equal.html');
    const eq = await cli(['compare', s.ok, s.remoteOk, '--html', equalFile]);
    expect(eq.code, eq.stdout).toBe(0);
    expect(eq.stdout).toContain('EQUAL');
    const e2b = await cli(['compare', s.ok, s.e2bOk]);
    expect(e2b.code, e2b.stdout).toBe(0);
    expect(e2b.stdout).toContain('EQUAL');
    const a = await openReport(browser, equalFile);
    expect(await a.page.textContent('#verdict')).toMatch(/^EQUAL/);
    const created = a.page.locator('#event-count-table tr[data-event="remote.sandbox_created"] td');
    expect(await created.allTextContents()).toEqual([
      'remote.sandbox_created',
      '0',
      '1',
      'remote-only: ignored',
    ]);
    await saveScreenshot(a.page, 'parity-equal');
    expect(a.problems).toEqual([]);
    await a.page.close();

    const diffFile = join(s.project, 'parity-different.html');
    const diff = await cli(['compare', s.ok, s.failed, '--html', diffFile]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(/DIFFERENT/);
    const b = await openReport(browser, diffFile);
    expect(await b.page.textContent('#verdict')).toMatch(/^DIFFERENT/);
    expect(await b.page.locator('#event-diffs .event-diff[data-kind="changed"]').count()).toBe(1);
    expect(await b.page.textContent('#event-count-table tr[data-event="step_failed"]')).toMatch(
      /step_failed01differs/,
    );
    expect(await b.page.locator('#metric-diff-table tbody tr').count()).toBeGreaterThan(0);
    // the broken query changes one cleaned config; the writer never started so it has none
    const artifactRows = await b.page.$$eval('#artifact-diff-table tbody tr', (rows) =>
      rows.map((r) => [r.cells[0]?.textContent, r.getAttribute('data-kind')]),
    );
    expect(artifactRows).toEqual([
      ['artifacts/adults-by-country/cleaned_config.json', 'different'],
      ['artifacts/write-report/cleaned_config.json', 'missing'],
    ]);
    await saveScreenshot(b.page, 'parity-different');
    expect(b.problems).toEqual([]);
    await b.page.close();
  });
});

describe('secret canary', () => {
  function listFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((n) =>
      statSync(join(dir, n)).isDirectory() ? listFiles(join(dir, n)) : [join(dir, n)],
    );
  }

  it('no form of the connection password in any session file, report page, index or CLI output', async () => {
    // the canary really was in play: the step resolved the connection and its config shows it masked
    const cleaned = readFileSync(join(s.canary, 'artifacts', 'extract-pg', 'cleaned_config.json'), 'utf8');
    expect(cleaned).toContain('"password": "***MASKED***"');
    await cli(['html', '--all']);
    await cli(['compare', s.ok, s.canary, '--json', '--html', join(s.logsDir, 'parity-canary.html')]);
    const files = listFiles(s.logsDir);
    expect(files.filter((f) => f.endsWith('.html')).length).toBeGreaterThanOrEqual(7);
    const forms = listSecretForms(CANARY_PASSWORD);
    const hits: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'latin1');
      for (const form of forms) if (text.includes(form)) hits.push(`${file}: ${form}`);
    }
    const output = [s.output, ...cliOutput].join('\n');
    for (const form of forms) if (output.includes(form)) hits.push(`output: ${form}`);
    expect(hits).toEqual([]);
  });
});
