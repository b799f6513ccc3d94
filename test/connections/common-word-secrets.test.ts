// Issue 8 §2: a password equal to a common word (`true`, `step`, `postgres`, `2026`, `null`) changes
// nothing in a session but its occurrences inside free text. Real session files in a temp dir.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MASK, createMasker } from '../../src/core/mask.js';
import type { SessionStatus } from '../../src/core/session-files.js';
import { createSessionWriter } from '../../src/session/session-writer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const MANIFEST = 'pipeline:\n  name: nightly\nsteps:\n  - id: step_one\n    component: postgres.extractor\n';
const CFG =
  '{"_component":"postgres.extractor","connection":"@postgres.main","header":true,"query":"SELECT null"}';

function writeSession(secret: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'osiris-common-word-'));
  dirs.push(dir);
  const now = () => new Date('2026-12-02T10:20:26.026Z');
  const writer = createSessionWriter({ sessionId: 'run_1', dir, mask: createMasker([secret]), now });
  writer.writeText('manifest.yaml', MANIFEST);
  writer.writeText('cfg/step_one.json', CFG);
  writer.event('step_start', { step_id: 'step_one', driver: 'postgres.extractor' });
  writer.event('connection_resolve_complete', {
    step_id: 'step_one',
    family: 'postgres',
    alias: 'main',
    ok: true,
  });
  writer.event('step_failed', {
    step_id: 'step_one',
    error: `step step_one: login with ${secret} failed`,
    error_type: 'connection',
    error_code: 'connection_error',
    duration_ms: 2026,
  });
  writer.metric('rows_read', 2026, { step_id: 'step_one' });
  writer.log.info(`step step_one: ${secret} at 2026`);
  const status: SessionStatus = {
    session_id: 'run_1',
    status: 'failed',
    ok: false,
    exit_code: 1,
    adapter: 'local',
    pipeline_id: 'nightly',
    steps_total: 1,
    steps_completed: 0,
    failed_step: 'step_one',
    error: { code: 'connection_error', message: `login with ${secret} failed` },
    started_at: '2026-12-02T10:20:26.026Z',
    finished_at: '2026-12-02T10:20:27.026Z',
    duration_ms: 1000,
    rows_read: 0,
    rows_written: 0,
  };
  writer.writeStatus(status);
  writer.writeStatus({ ...status, duration_ms: 2026 });
  writer.close();
  return dir;
}

const readJsonLines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe.each(['true', 'step', 'postgres', '2026', 'null'])('password %j', (secret) => {
  it('every file parses, keys, booleans, numbers, ids and timestamps are intact', () => {
    const dir = writeSession(secret);
    const events = readJsonLines(join(dir, 'events.jsonl'));
    expect(events.map((e) => e.event)).toEqual(['step_start', 'connection_resolve_complete', 'step_failed']);
    expect(events[1]).toEqual({
      ts: '2026-12-02T10:20:26.026Z',
      session: 'run_1',
      event: 'connection_resolve_complete',
      step_id: 'step_one',
      family: 'postgres',
      alias: 'main',
      ok: true,
    });
    expect(events[2]).toMatchObject({
      step_id: 'step_one',
      duration_ms: 2026,
      error_code: 'connection_error',
    });
    expect(readJsonLines(join(dir, 'metrics.jsonl'))[0]).toMatchObject({
      ts: '2026-12-02T10:20:26.026Z',
      metric: 'rows_read',
      value: 2026,
      step_id: 'step_one',
    });
    const status = JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(status)).toContain('steps_completed');
    expect(status).toMatchObject({
      ok: false,
      failed_step: 'step_one',
      started_at: '2026-12-02T10:20:26.026Z',
      duration_ms: 2026,
    });
    // files that hold no secret by construction are written byte for byte
    expect(readFileSync(join(dir, 'manifest.yaml'), 'utf8')).toBe(MANIFEST);
    expect(readFileSync(join(dir, 'cfg', 'step_one.json'), 'utf8')).toBe(CFG);
    // atomic writes leave no temporary file behind
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('the secret is masked where it is free text: messages and log lines', () => {
    const dir = writeSession(secret);
    const failed = readJsonLines(join(dir, 'events.jsonl'))[2] as { error: string };
    expect(failed.error).toContain(`login with ${MASK} failed`);
    const status = JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8')) as {
      error: { message: string };
    };
    expect(status.error.message).toBe(`login with ${MASK} failed`);
    const log = readFileSync(join(dir, 'osiris.log'), 'utf8');
    expect(log).toMatch(/^2026-12-02T10:20:26\.026Z INFO {2}/);
    expect(log).toContain(MASK);
    expect(log.slice(30)).not.toContain(`: ${secret} at`);
  });
});
