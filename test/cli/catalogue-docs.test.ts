// The catalogue (src/core/catalogue.ts) is the source of truth: the committed schemas must be its
// rendering, and the user docs must name every event and metric.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENTS, METRICS } from '../../src/core/catalogue.js';
import { renderEventsSchema, renderMetricsSchema } from '../../src/core/render-schemas.js';
import { OSIRIS_VERSION } from '../../src/core/version.js';
import { REPO_ROOT } from '../support/run-osiris.js';

const read = (p: string) => readFileSync(join(REPO_ROOT, p), 'utf8');

describe('event and metric catalogue', () => {
  it('committed schemas equal the rendering of the catalogue', () => {
    expect(JSON.parse(read('schemas/events.schema.json'))).toEqual(renderEventsSchema());
    expect(JSON.parse(read('schemas/metrics.schema.json'))).toEqual(renderMetricsSchema());
  });

  it('docs/events-and-metrics.md names every event and metric', () => {
    const doc = read('docs/events-and-metrics.md');
    const missing = [...Object.keys(EVENTS), ...Object.keys(METRICS)].filter(
      (n) => !doc.includes(`\`${n}\``),
    );
    expect(missing).toEqual([]);
  });

  it('OSIRIS_VERSION equals package.json version', () => {
    expect(OSIRIS_VERSION).toBe((JSON.parse(read('package.json')) as { version: string }).version);
  });
});
