import { EVENTS, METRICS, REMOTE_EVENT_PREFIX } from './catalogue.js';

const META = { $schema: 'http://json-schema.org/draft-07/schema#' } as const;
const TS = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' };
const SESSION = { type: 'string', pattern: '^run_\\d+$' };

/** JSON Schema of an events.jsonl line, generated from the catalogue (one branch per event name). */
export function renderEventsSchema(): Record<string, unknown> {
  const branches = Object.entries(EVENTS).map(([name, entry]) => ({
    if: { properties: { event: { const: name } } },
    then: { required: [...entry.required], description: entry.doc },
  }));
  return {
    ...META,
    $id: 'https://osiris.dev/schemas/events.schema.json',
    title: 'Osiris events.jsonl line',
    type: 'object',
    required: ['ts', 'session', 'event'],
    properties: {
      ts: TS,
      session: SESSION,
      event: {
        anyOf: [
          { enum: Object.keys(EVENTS) },
          { type: 'string', pattern: `^${REMOTE_EVENT_PREFIX.replace('.', '\\.')}[a-z0-9_.]+$` },
        ],
      },
      step_id: { type: 'string' },
    },
    allOf: branches,
  };
}

/** JSON Schema of a metrics.jsonl line, generated from the catalogue. */
export function renderMetricsSchema(): Record<string, unknown> {
  const branches = Object.entries(METRICS).map(([name, entry]) => ({
    if: { properties: { metric: { const: name } } },
    then: entry.stepScoped ? { required: ['step_id'], description: entry.doc } : { description: entry.doc },
  }));
  return {
    ...META,
    $id: 'https://osiris.dev/schemas/metrics.schema.json',
    title: 'Osiris metrics.jsonl line',
    type: 'object',
    required: ['ts', 'session', 'metric', 'value'],
    additionalProperties: false,
    properties: {
      ts: TS,
      session: SESSION,
      metric: { enum: Object.keys(METRICS) },
      value: { type: 'number' },
      unit: { type: 'string' },
      step_id: { type: 'string' },
      tags: { type: 'object', additionalProperties: { type: 'string' } },
    },
    allOf: branches,
  };
}
