// Browser tests of pages rendered from constructed snapshots: scale (virtual list) and hostile data.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSessionReport } from '../../src/report/index.js';
import { buildSnapshot } from './build-snapshot.js';
import type { OpenBrowser } from './open-report.js';
import { launchBrowser, openReport } from './open-report.js';

let browser: OpenBrowser;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'osiris-report-pages-'));
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('report pages from constructed sessions', () => {
  it('renders a long event list virtually and scrolls to its last event', async () => {
    const steps = Array.from({ length: 20 }, (_, i) => ({
      id: `step-${i}`,
      driver: 'filesystem.csv_writer',
      mode: 'write' as const,
      rows: 1000,
    }));
    const snapshot = buildSnapshot({ steps, progressEvents: 1000 });
    const file = join(dir, 'big-report.html');
    writeFileSync(file, renderSessionReport(snapshot));
    const { page, problems } = await openReport(browser, file);
    expect(await page.textContent('#ev-count')).toBe(`${snapshot.events.length} events`);
    expect(await page.locator('#ev-spacer .ev-row').count()).toBeLessThan(80);
    await page.$eval('#ev-viewport', (v) => (v.scrollTop = v.scrollHeight));
    await expect.poll(() => page.locator('#ev-spacer .ev-row[data-event="run_end"]').count()).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows hostile field values as text and runs no injected markup', async () => {
    const snapshot = buildSnapshot({
      steps: [{ id: 'x', driver: 'duckdb.processor', mode: 'read', rows: 1 }],
      failAt: 'x',
      failMessage: '</script><script>window.__pwned=1</script><img src="x" onerror="window.__pwned=2">',
    });
    snapshot.events.push({
      ts: snapshot.events[0]!.ts,
      session: snapshot.id,
      event: '<b>evil</b>',
      step_id: 'x',
      note: '"><svg onload="window.__pwned=3">',
    });
    const file = join(dir, 'hostile-report.html');
    writeFileSync(file, renderSessionReport(snapshot));
    const { page, problems, requests } = await openReport(browser, file);
    expect(
      await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();
    expect(await page.textContent('#run-error')).toContain('<img src="x" onerror=');
    await page.click('#ev-chips .chip[data-event="<b>evil</b>"]');
    await page.click('#ev-spacer .ev-row');
    expect(JSON.parse((await page.textContent('#ev-detail')) ?? '{}').note).toBe(
      '"><svg onload="window.__pwned=3">',
    );
    expect(requests).toHaveLength(1);
    expect(problems).toEqual([]);
    await page.close();
  });
});
