// Issue 8 §6: `logs html --all` put status.json values into attributes unescaped (only the CSP stopped an
// onerror). Every status.json value is now escaped wherever the index interpolates it, whatever its
// type: the test edits a real session's status.json so that strings, and values the schema says are
// numbers, carry an attribute-breaking payload, then reads the index the real CLI writes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSessionIndex } from '../../src/report/render-session-index.js';
import type { SessionStatus } from '../../src/core/index.js';
import { createProject, findOnlySession, runOsiris } from '../support/run-osiris.js';
import { launchBrowser, openReport } from './open-report.js';

const PAYLOAD = '"><img src=x onerror=alert(1)>';
const PIPELINE = `oml_version: "0.1.0"
name: tiny
steps:
  - id: e
    component: filesystem.csv_extractor
    mode: read
    config: { path: data/in.csv }
`;

/** Every field of status.json set to the payload (numbers too: a hand-edited file has any type). */
function poison(status: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...status };
  for (const key of Object.keys(out)) if (key !== 'session_id') out[key] = PAYLOAD;
  return {
    ...out,
    ok: false,
    error: { code: PAYLOAD, message: PAYLOAD },
    failed_step: PAYLOAD,
  };
}

function expectNoInjection(html: string): void {
  expect(html).not.toContain(PAYLOAD);
  expect(html).not.toMatch(/<img/i);
  expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
}

describe('logs html --all escapes every status.json value', () => {
  let project: string;
  beforeAll(() => {
    project = createProject({ 'p.yaml': PIPELINE, 'data/in.csv': 'id\n1\n' });
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('writes an index where the payload is text, never markup (real CLI)', async () => {
    const run = await runOsiris(['run', 'p.yaml'], { cwd: project });
    expect(run.code, run.stderr).toBe(0);
    const session = findOnlySession(join(project, 'logs'));
    const statusPath = join(session, 'status.json');
    writeFileSync(statusPath, JSON.stringify(poison(JSON.parse(readFileSync(statusPath, 'utf8')))));
    const html = await runOsiris(['logs', 'html', '--all'], { cwd: project });
    expect(html.code, html.stderr).toBe(0);
    expectNoInjection(readFileSync(join(project, 'logs', 'index.html'), 'utf8'));
  });

  it('escapes in the renderer itself, for strings and for values typed as numbers', () => {
    const status = poison({ session_id: 'run_1', rows_read: 1 }) as unknown as SessionStatus;
    const html = renderSessionIndex([
      { id: 'run_1', status, href: 'run_1/report.html' },
      { id: 'run_2', status: undefined, href: '', problem: PAYLOAD },
    ]);
    expectNoInjection(html);
  });

  it('in Chromium the index holds no injected element and makes no request but the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'osiris-index-xss-'));
    const browser = await launchBrowser();
    try {
      const status = poison({ session_id: 'run_1', rows_read: 1 }) as unknown as SessionStatus;
      const file = join(dir, 'index.html');
      writeFileSync(file, renderSessionIndex([{ id: 'run_1', status, href: 'run_1/report.html' }]));
      const { page, problems, requests } = await openReport(browser, file);
      expect(await page.locator('img, svg[onload]').count()).toBe(0);
      expect(await page.textContent('#session-index tbody')).toContain(PAYLOAD);
      expect(requests).toHaveLength(1);
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
