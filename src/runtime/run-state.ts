/**
 * The host's side of incremental state (docs/incremental.md): before the steps, where each incremental
 * extractor starts (read from the stores of the writers that consume it); after the run, the state of
 * file writers, which have no transaction to commit it in.
 */
import type {
  Boundary,
  DriverTable,
  IncrementalStart,
  Manifest,
  ParsedStepConfig,
  PendingState,
  StateLink,
  StateRecord,
  StateStore,
  ConnectionLookup,
  EventSink,
} from '../core/index.js';
import {
  OsirisError,
  encodeBoundary,
  isSameBoundary,
  listStateLinks,
  selectStepConnection,
} from '../core/index.js';
import { createFileStateStore } from './file-state-store.js';

/** What the state of a run is read and written with. */
export interface StateAccess {
  /** The compiled plan. */
  manifest: Manifest;
  /** Each step's parsed cfg. */
  stepConfigs: ReadonlyMap<string, ParsedStepConfig>;
  /** Bound drivers (a writer's module opens its store). */
  drivers: DriverTable;
  /** The run's connections. */
  connections: ConnectionLookup;
  /** Project directory (file writers' state lives under it). */
  projectDir: string;
}

/** The (extractor, writer) pairs of a plan, and a store for each writer (opened lazily, closed by close). */
export function openStateStores(access: StateAccess) {
  const links = listStateLinks(access.manifest.steps, (id) => access.stepConfigs.get(id)?.config);
  const stores = new Map<string, StateStore>();
  const storeOf = (writerStep: string): StateStore => {
    const open = stores.get(writerStep);
    if (open) return open;
    const step = access.manifest.steps.find((s) => s.id === writerStep);
    const module = step ? access.drivers.get(step.driver) : undefined;
    const config = access.stepConfigs.get(writerStep)?.config ?? {};
    let store: StateStore;
    if (module?.openStateStore) {
      const ref = selectStepConnection(config, module.spec.connectionFamilies);
      const connection = ref ? access.connections(ref.family, ref.alias) : undefined;
      store = module.openStateStore(config, connection);
    } else store = createFileStateStore(access.projectDir);
    stores.set(writerStep, store);
    return store;
  };
  return {
    links,
    storeOf,
    /** The record of a link, if its writer has one. */
    async read(link: StateLink): Promise<StateRecord | undefined> {
      const records = await storeOf(link.writerStep).list(access.manifest.pipeline.id);
      return records.find((r) => r.extractorStep === link.extractorStep && r.writerStep === link.writerStep);
    },
    async close(): Promise<void> {
      await Promise.all([...stores.values()].map((s) => s.close().catch(() => undefined)));
    },
  };
}

/** Refuse a record computed with another cursor or key than the step's config now says. */
function checkRecordMatches(link: StateLink, record: StateRecord, location: string): void {
  const same =
    record.cursor === link.spec.cursor &&
    record.primaryKey.length === link.spec.primaryKey.length &&
    record.primaryKey.every((k, i) => k === link.spec.primaryKey[i]);
  if (same) return;
  throw new OsirisError(
    'config_error',
    `the state in ${location} (writer ${link.writerStep}) was computed with cursor '${record.cursor}' and ` +
      `primary_key [${record.primaryKey.join(', ')}], the step now says '${link.spec.cursor}' and ` +
      `[${link.spec.primaryKey.join(', ')}]; reset it first (osiris state reset, or run --full-refresh)`,
    { where: `step ${link.extractorStep}` },
  );
}

/**
 * Where each incremental extractor starts: after the boundaries its writers stored (all of them, so
 * that the one furthest behind misses nothing); from `initial` or the beginning when a writer has none
 * or on a full refresh. Emits `state_loaded` per extractor, in manifest order.
 */
export async function loadRunStarts(
  access: StateAccess,
  sink: EventSink,
  fullRefresh: boolean,
): Promise<Map<string, IncrementalStart>> {
  const state = openStateStores(access);
  const starts = new Map<string, IncrementalStart>();
  try {
    const extractors = [...new Set(state.links.map((l) => l.extractorStep))];
    for (const extractorStep of extractors) {
      const links = state.links.filter((l) => l.extractorStep === extractorStep);
      const writers: { writer: string; boundary: ReturnType<typeof encodeBoundary> }[] = [];
      const after: Boundary[] = [];
      let missing = false;
      for (const link of links) {
        const record = fullRefresh ? undefined : await state.read(link);
        if (record) checkRecordMatches(link, record, state.storeOf(link.writerStep).location);
        writers.push({ writer: link.writerStep, boundary: encodeBoundary(record?.boundary) });
        if (!record) missing = true;
        else if (!after.some((b) => isSameBoundary(b, record.boundary))) after.push(record.boundary);
      }
      const initial = links[0]?.spec.initial;
      const start = missing ? [] : after;
      const source = fullRefresh
        ? 'full_refresh'
        : !missing
          ? 'state'
          : initial !== undefined
            ? 'initial'
            : 'beginning';
      starts.set(extractorStep, { after: start });
      sink.event('state_loaded', {
        step_id: extractorStep,
        after: start.map((b) => encodeBoundary(b)),
        source,
        writers,
        ...(start.length === 0 && initial !== undefined ? { initial } : {}),
      });
    }
    return starts;
  } finally {
    await state.close();
  }
}

/**
 * After the run: file writers that succeeded store the boundaries of their incremental extractors
 * (replaced after their output is in place; a crash in between reads those rows again next time).
 */
export async function commitFileStates(
  access: StateAccess,
  sink: EventSink,
  read: ReadonlyMap<string, PendingState>,
  succeeded: ReadonlySet<string>,
): Promise<void> {
  const state = openStateStores(access);
  try {
    for (const link of state.links) {
      const pending = read.get(link.extractorStep);
      const step = access.manifest.steps.find((s) => s.id === link.writerStep);
      if (!pending || !step || !succeeded.has(link.writerStep)) continue;
      if (access.drivers.get(step.driver)?.openStateStore) continue;
      const store = state.storeOf(link.writerStep);
      await store.write?.([
        {
          ...pending,
          pipelineId: access.manifest.pipeline.id,
          writerStep: link.writerStep,
          committedAt: new Date().toISOString(),
        },
      ]);
      sink.event('state_committed', {
        step_id: link.writerStep,
        extractor: link.extractorStep,
        boundary: encodeBoundary(pending.boundary),
        rows: pending.rows,
        store: store.location,
      });
    }
  } finally {
    await state.close();
  }
}
