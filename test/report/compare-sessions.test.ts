import { describe, expect, it } from 'vitest';
import type { SessionSnapshot } from '../../src/core/index.js';
import { compareSessions, formatComparison, normalizeSession } from '../../src/report/index.js';
import { THREE_STEPS, buildSnapshot } from './build-snapshot.js';

const local = (): SessionSnapshot =>
  buildSnapshot({ id: 'run_1000', dir: '/home/ada/project/logs/run_1000', steps: THREE_STEPS });

function clone(s: SessionSnapshot): SessionSnapshot {
  return structuredClone(s);
}

describe('compareSessions (docs/report.md)', () => {
  it('finds two identical sessions equal', () => {
    const c = compareSessions(local(), local());
    expect(c.equal).toBe(true);
    expect(c.eventDiffs).toEqual([]);
    expect(c.metricDiffs).toEqual([]);
    expect(c.artifactDiffs).toEqual([]);
    expect(c.eventCounts.find((e) => e.event === 'step_start')).toEqual({
      event: 'step_start',
      a: 3,
      b: 3,
      ignored: false,
    });
  });

  it('ignores timestamps, session ids, session dirs and every duration value', () => {
    const b = buildSnapshot({
      id: 'run_2000',
      dir: '/var/tmp/elsewhere/logs/run_2000',
      steps: THREE_STEPS,
      startMs: 1800000000000,
      jitterMs: 977,
    });
    // a path inside the session dir and a mention of the session id, as a driver might write them
    const a = local();
    a.events.push({
      ts: a.events[0]!.ts,
      session: a.id,
      event: 'artifact_created',
      step_id: 'adults',
      path: `${a.dir}/artifacts/adults/x.json`,
      type: `from ${a.id}`,
    });
    b.events.push({
      ts: b.events[0]!.ts,
      session: b.id,
      event: 'artifact_created',
      step_id: 'adults',
      path: `${b.dir}/artifacts/adults/x.json`,
      type: `from ${b.id}`,
    });
    expect(a.events.some((e) => e.duration_ms !== undefined)).toBe(true);
    const c = compareSessions(a, b);
    expect(formatComparison(c)).toContain('EQUAL');
    expect(c.equal).toBe(true);
  });

  it('replaces absolute paths outside the session dir, but not relative ones', () => {
    const a = local();
    const b = local();
    a.events.push({
      ts: '',
      session: a.id,
      event: 'step_failed',
      step_id: 'x',
      error: 'No files found that match "/tmp/osiris-test-abc/data/x.csv"',
      error_type: 'E',
      error_code: 'io_error',
      duration_ms: 1,
    });
    b.events.push({
      ts: '',
      session: b.id,
      event: 'step_failed',
      step_id: 'x',
      error: 'No files found that match "/home/user/sandbox/data/x.csv"',
      error_type: 'E',
      error_code: 'io_error',
      duration_ms: 2,
    });
    expect(compareSessions(a, b).equal).toBe(true);
    const n = normalizeSession(a);
    expect(n.events.at(-1)?.fields.error).toBe('No files found that match "<path>"');
    // relative paths and URLs are data, not host layout: they must still be compared
    b.events.at(-1)!.error = 'No files found that match "data/y.csv"';
    expect(compareSessions(a, b).equal).toBe(false);
  });

  it('a path inside a local sandbox (whose id is its directory) is a path like any other', () => {
    const a = local();
    const b = local();
    const failAt = (s: SessionSnapshot, path: string) =>
      s.events.push({
        ts: '',
        session: s.id,
        event: 'step_failed',
        step_id: 'x',
        error: `${path}:3: column "d": could not convert "soon"`,
        error_type: 'E',
        error_code: 'config_error',
        duration_ms: 1,
      });
    failAt(a, '/home/ana/project/data/bad.csv');
    const sandbox = '/tmp/osiris-sandbox-Ab12Cd';
    b.events.push({ ts: '', session: b.id, event: 'remote.sandbox_created', sandbox_id: sandbox });
    failAt(b, `${sandbox}/project/data/bad.csv`);
    expect(compareSessions(a, b).equal).toBe(true);
    expect(normalizeSession(b).events.at(-1)?.fields.error).toBe(
      '<path> column "d": could not convert "soon"',
    );
  });

  it('ignores remote-only events and metrics, every remote.* record and sandbox ids', () => {
    const remote = buildSnapshot({
      id: 'run_3000',
      dir: '/tmp/r/logs/run_3000',
      steps: THREE_STEPS,
      remote: 'e2b',
      jitterMs: 250,
    });
    expect(remote.events.some((e) => e.event === 'remote.sandbox_created')).toBe(true);
    expect(remote.events.some((e) => e.event === 'dependency_check')).toBe(true);
    expect(remote.metrics.some((m) => m.metric === 'e2b_overhead_ms')).toBe(true);
    // a step-level event naming the sandbox id must compare equal to the local one
    const l = local();
    const mention = (s: SessionSnapshot, text: string) =>
      s.events.splice(
        s.events.findIndex((e) => e.event === 'cleanup_start'),
        0,
        { ts: '', session: s.id, event: 'artifact_created', step_id: 'adults', path: 'p', type: text },
      );
    mention(l, 'ran in <sandbox>');
    mention(remote, 'ran in sbx-8f3a9c2d1e');
    const c = compareSessions(l, remote);
    expect(c.equal, formatComparison(c)).toBe(true);
    const created = c.eventCounts.find((e) => e.event === 'remote.sandbox_created');
    expect(created).toEqual({ event: 'remote.sandbox_created', a: 0, b: 1, ignored: true });
    expect(c.sessions.b.remoteOnlyDropped).toBe(4 + 1 + 4); // remote.* ×4, dependency_check, 4 metrics
  });

  it('ignores write.progress, whose count is paced by the clock, but not write.complete', () => {
    const a = local();
    const b = local();
    const at = b.events.findIndex((e) => e.event === 'cleanup_start');
    b.events.splice(at, 0, {
      ts: '',
      session: b.id,
      event: 'write.progress',
      step_id: 'adults',
      rows_written: 1000,
    });
    expect(compareSessions(a, b).equal).toBe(true);
    b.events.splice(at, 0, {
      ts: '',
      session: b.id,
      event: 'write.complete',
      step_id: 'adults',
      rows_written: 1000,
      target: 't',
    });
    expect(compareSessions(a, b).equal).toBe(false);
  });

  it('reports the first differing event with the differing fields', () => {
    const b = local();
    const i = b.events.findIndex((e) => e.event === 'step_complete' && e.step_id === 'adults');
    b.events[i] = { ...b.events[i]!, rows_processed: 99, duration_ms: 5 };
    const c = compareSessions(local(), b);
    expect(c.equal).toBe(false);
    expect(c.eventDiffs).toHaveLength(1);
    const d = c.eventDiffs[0]!;
    expect(d.kind).toBe('changed');
    expect(d.a?.line).toBe(i + 1);
    expect(d.fields).toEqual([{ field: 'rows_processed', a: 3, b: 99 }]);
    expect(formatComparison(c)).toMatch(
      /first difference at #\d+ .*step_complete vs step_complete\n {2}rows_processed: A 3 {2}B 99/,
    );
  });

  it('reports an event order difference, a missing event and an extra event', () => {
    const swapped = local();
    const j = swapped.events.findIndex((e) => e.event === 'cfg_opened');
    [swapped.events[j], swapped.events[j + 1]] = [swapped.events[j + 1]!, swapped.events[j]!];
    const order = compareSessions(local(), swapped).eventDiffs[0]!;
    expect(order.kind).toBe('changed');
    expect(order.fields[0]).toMatchObject({ field: 'event', a: 'cfg_opened', b: 'config_meta_stripped' });

    const shorter = local();
    shorter.events.pop();
    const missing = compareSessions(local(), shorter);
    expect(missing.eventDiffs[0]).toMatchObject({ kind: 'missing', a: { event: 'run_end' } });
    expect(missing.eventCounts.find((e) => e.event === 'run_end')).toMatchObject({ a: 1, b: 0 });

    const longer = local();
    longer.events.push({ ts: '', session: longer.id, event: 'cleanup_complete' });
    expect(compareSessions(local(), longer).eventDiffs[0]).toMatchObject({
      kind: 'extra',
      b: { event: 'cleanup_complete' },
    });
  });

  it("compares each step's own events in order, whatever the interleaving of different steps", () => {
    // the events of two steps interleaved the other way round (concurrent steps): equal
    const base = local();
    const isStep = (id: string) => (e: { step_id?: unknown; event: string }) =>
      e.step_id === id && e.event !== 'cfg_materialized';
    const first = base.events.findIndex(isStep('extract-people'));
    const people = base.events.filter(isStep('extract-people'));
    const adults = base.events.filter(isStep('adults'));
    const rest = base.events.filter((e) => !isStep('extract-people')(e) && !isStep('adults')(e));
    const interleaved = structuredClone(base);
    const mixed = people
      .flatMap((e, i) => (adults[i] ? [adults[i], e] : [e]))
      .concat(adults.slice(people.length));
    interleaved.events = [...rest.slice(0, first), ...mixed, ...rest.slice(first)];
    expect(compareSessions(base, interleaved).equal).toBe(true);
    // a step whose own events change order is still a difference
    const swapped = structuredClone(interleaved);
    const a = swapped.events.findIndex((e) => e.step_id === 'adults' && e.event === 'step_start');
    const b = swapped.events.findIndex((e) => e.step_id === 'adults' && e.event === 'artifacts_dir_created');
    [swapped.events[a], swapped.events[b]] = [swapped.events[b]!, swapped.events[a]!];
    expect(compareSessions(base, swapped).eventDiffs[0]).toMatchObject({ kind: 'changed' });
  });

  it('treats metrics as a multiset: order does not matter, counts and values do', () => {
    const reordered = local();
    reordered.metrics.reverse();
    expect(compareSessions(local(), reordered).equal).toBe(true);

    const changed = local();
    const rw = changed.metrics.find((m) => m.metric === 'rows_written')!;
    rw.value = 4;
    changed.metrics.push({
      ts: '',
      session: changed.id,
      metric: 'rows_read',
      value: 4,
      unit: 'rows',
      step_id: 'extract-people',
    });
    const c = compareSessions(local(), changed);
    expect(c.eventDiffs).toEqual([]);
    expect(c.metricDiffs).toEqual([
      {
        kind: 'extra',
        metric: { metric: 'rows_read', value: 4, unit: 'rows', step_id: 'extract-people' },
        a: 1,
        b: 2,
      },
      {
        kind: 'missing',
        metric: { metric: 'rows_written', value: 3, unit: 'rows', step_id: 'write-adults' },
        a: 1,
        b: 0,
      },
      {
        kind: 'extra',
        metric: { metric: 'rows_written', value: 4, unit: 'rows', step_id: 'write-adults' },
        a: 0,
        b: 1,
      },
    ]);
  });

  it('drops the values of duration metrics but still counts them', () => {
    const b = local();
    for (const m of b.metrics)
      if (m.metric === 'step_duration_ms' || m.metric === 'execution_duration') m.value += 1234;
    expect(compareSessions(local(), b).equal).toBe(true);
    b.metrics = b.metrics.filter((m) => m.metric !== 'session_duration_seconds');
    const c = compareSessions(local(), b);
    expect(c.metricDiffs).toEqual([
      {
        kind: 'missing',
        metric: { metric: 'session_duration_seconds', value: '<dropped>', unit: 'seconds' },
        a: 1,
        b: 0,
      },
    ]);
  });

  it('compares artifact trees and bytes', () => {
    const b = clone(local());
    b.artifacts[0] = { ...b.artifacts[0]!, sha256: 'sha256:00', size: 1 };
    b.artifacts.splice(1, 1);
    b.artifacts.push({ path: 'artifacts/zz/extra.txt', size: 2, sha256: 'sha256:11' });
    const c = compareSessions(local(), b);
    expect(c.eventDiffs).toEqual([]);
    expect(c.artifactDiffs.map((d) => [d.path, d.kind])).toEqual([
      ['artifacts/adults/cleaned_config.json', 'missing'],
      ['artifacts/extract-people/cleaned_config.json', 'different'],
      ['artifacts/zz/extra.txt', 'extra'],
    ]);
    expect(formatComparison(c)).toContain('artifact artifacts/zz/extra.txt: only in B');
  });

  it('does not treat a failed run as equal to a successful one', () => {
    const failed = buildSnapshot({
      id: 'run_1000',
      dir: '/home/ada/project/logs/run_1000',
      steps: THREE_STEPS,
      failAt: 'adults',
    });
    const c = compareSessions(local(), failed);
    expect(c.equal).toBe(false);
    expect(c.eventDiffs[0]?.fields.map((f) => f.field)).toContain('event');
    expect(c.eventCounts.find((e) => e.event === 'step_failed')).toMatchObject({ a: 0, b: 1 });
  });
});
