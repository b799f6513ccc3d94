/**
 * Incremental loads (docs/incremental.md): an extractor reads the rows after a boundary, the writers that
 * consume it store the new boundary with their data, and the next run starts from there.
 */

/** A step's `incremental:` config, read. */
export interface IncrementalSpec {
  /** Column whose value never decreases for new and changed rows. */
  cursor: string;
  /** Tie-breaker columns: the boundary is the (cursor, primary_key) tuple. */
  primaryKey: string[];
  /** Lower bound (inclusive) of the first run, as text in the cursor's type. */
  initial: string | undefined;
}

/** The (cursor, primary_key) tuple of the last row read, each value as canonical text. */
export interface Boundary {
  /** The cursor value. */
  cursor: string;
  /** The primary key values, in primary_key order. */
  key: string[];
}

/** Whose state a record is: one per pipeline, extractor step and writer step. */
export interface StateKey {
  /** `pipeline.id` of the manifest. */
  pipelineId: string;
  /** The incremental extractor. */
  extractorStep: string;
  /** The writer that stored it. */
  writerStep: string;
}

/** A boundary a writer stores beside its rows, with what it was computed with. */
export interface PendingState {
  /** The incremental extractor. */
  extractorStep: string;
  /** Its cursor column. */
  cursor: string;
  /** Its primary key columns. */
  primaryKey: string[];
  /** The last tuple it read. */
  boundary: Boundary;
  /** Rows it read in this run. */
  rows: number;
}

/** A stored state record. */
export interface StateRecord extends PendingState {
  /** Pipeline id. */
  pipelineId: string;
  /** The writer that stored it. */
  writerStep: string;
  /** When it was committed (ISO 8601, UTC). */
  committedAt: string;
}

/** Where a writer keeps its state records (a table in its target, or a directory for file writers). */
export interface StateStore {
  /** Human name of the place, for messages and events (e.g. `public.osiris_state`). */
  readonly location: string;
  /** The records of a pipeline (of one extractor or writer when given). */
  list(pipelineId: string): Promise<StateRecord[]>;
  /** Delete the records of a key (its writer's, for this pipeline and extractor); returns how many. */
  reset(key: StateKey): Promise<number>;
  /** Store records (file stores only: database writers commit them inside their load). */
  write?(records: readonly StateRecord[]): Promise<void>;
  /** Release the connection. */
  close(): Promise<void>;
}

/** The table database writers keep their state records in, beside their target table. */
export const STATE_TABLE = 'osiris_state';

/** Names of a config's `primary_key`-like value: a string or a list. */
function readNames(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The `incremental:` block of an extractor config (validated by the component schema), or undefined. */
export function readIncrementalSpec(config: Readonly<Record<string, unknown>>): IncrementalSpec | undefined {
  const block = config.incremental;
  if (block === undefined || block === null || typeof block !== 'object') return undefined;
  const b = block as Record<string, unknown>;
  return {
    cursor: String(b.cursor),
    primaryKey: readNames(b.primary_key),
    initial: b.initial === undefined ? undefined : String(b.initial),
  };
}

/**
 * What an incremental extractor's execution leaves its writers to store: its new boundary with the spec
 * it was read with, or undefined when it failed or read nothing (the stored boundaries then stay).
 */
export function createPendingState(
  extractorStep: string,
  spec: Pick<IncrementalSpec, 'cursor' | 'primaryKey'>,
  outcome: { ok: boolean; boundary?: Boundary | undefined; rowsRead: number },
): PendingState | undefined {
  if (!outcome.ok || outcome.boundary === undefined) return undefined;
  const { cursor, primaryKey } = spec;
  return { extractorStep, cursor, primaryKey, boundary: outcome.boundary, rows: outcome.rowsRead };
}

/** Whether two boundaries are the same tuple. */
export function isSameBoundary(a: Boundary, b: Boundary): boolean {
  return a.cursor === b.cursor && a.key.length === b.key.length && a.key.every((k, i) => k === b.key[i]);
}

/** A boundary as it appears in events and `osiris state` (`{cursor, key}`). */
export function encodeBoundary(b: Boundary | undefined): { cursor: string; key: string[] } | null {
  return b === undefined ? null : { cursor: b.cursor, key: [...b.key] };
}

/** Where an incremental extractor starts: after the smallest of these boundaries (none: from `initial`). */
export interface IncrementalStart {
  /** Distinct boundaries of the writers that consume it; rows after any of them are read. */
  after: Boundary[];
}

/** An incremental extractor and a writer that consumes it (directly or through transforms). */
export interface StateLink {
  /** The extractor step. */
  extractorStep: string;
  /** Its incremental config. */
  spec: IncrementalSpec;
  /** The writer step. */
  writerStep: string;
}

/** Each step's ancestors (every step it reads from, directly or not), for steps in execution order. */
export function mapStepAncestors(
  steps: readonly { id: string; needs: readonly string[] }[],
): Map<string, Set<string>> {
  const ancestors = new Map<string, Set<string>>();
  for (const step of steps) {
    const set = new Set(step.needs);
    for (const need of step.needs) for (const a of ancestors.get(need) ?? []) set.add(a);
    ancestors.set(step.id, set);
  }
  return ancestors;
}

/**
 * Every (incremental extractor, writer downstream of it) pair of a manifest, in manifest order of the
 * extractors and then of the writers. `configOf` gives a step's driver config.
 */
export function listStateLinks(
  steps: readonly { id: string; mode: string; needs: readonly string[] }[],
  configOf: (stepId: string) => Readonly<Record<string, unknown>> | undefined,
): StateLink[] {
  const extractors = steps.flatMap((step) => {
    const config = step.mode === 'read' ? configOf(step.id) : undefined;
    const spec = config === undefined ? undefined : readIncrementalSpec(config);
    return spec === undefined ? [] : [{ extractor: step, spec }];
  });
  // the ancestor sets grow with the square of a long chain: only pipelines with incremental steps pay
  if (extractors.length === 0) return [];
  const ancestors = mapStepAncestors(steps);
  const links: StateLink[] = [];
  for (const { extractor, spec } of extractors) {
    for (const writer of steps) {
      if (writer.mode === 'write' && ancestors.get(writer.id)?.has(extractor.id))
        links.push({ extractorStep: extractor.id, spec, writerStep: writer.id });
    }
  }
  return links;
}
