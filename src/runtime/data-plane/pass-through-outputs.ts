/**
 * The CSV extractor outputs of a run that may pass through to database loaders (keep-pass-through-csv.ts),
 * what became of each, and their parse into a typed table when a reader needs one.
 */
import type { CsvReadOptions, PassThroughCsv, PassThroughState, TableInfo } from '../../core/data-plane.js';
import type { CsvSniffer } from './keep-pass-through-csv.js';
import { describePassThrough, keepPassThroughCsv } from './keep-pass-through-csv.js';

/** What the pass-through outputs need of the DuckDB plane (opened only when called). */
export interface TypedLoader {
  /** The typed path: parse a CSV file into the step's table. */
  createFromCsv(stepId: string, options: CsvReadOptions): Promise<TableInfo>;
  /** DuckDB's sniffer (types of undeclared columns). */
  sniffCsv: CsvSniffer;
}

/** The outputs of a run that may pass through, and what became of each. */
export interface PassThroughOutputs {
  /** Allow a step's CSV output to stay unparsed (every consumer loads it with its own loader). */
  allow(stepId: string): void;
  /**
   * A CSV extractor's ingest: the file kept unparsed when allowed and suitable (readers may start as
   * soon as it is kept: `onKept`; `streamed`: one is about to, and the scan waits for it to ask), else
   * the typed table. Resolves once the whole file was checked.
   */
  ingest(stepId: string, options: CsvReadOptions, onKept: () => void, streamed: boolean): Promise<TableInfo>;
  /** What became of a CSV extractor's output (undefined for any other output). */
  outcomeOf(stepId: string): PassThroughState | undefined;
  /** The kept file of a step and its rows once counted, if its output is kept unparsed. */
  keptOf(stepId: string): { csv: PassThroughCsv; rows?: number } | undefined;
  /** Parse a kept output into its typed table, once; a no-op for others. */
  parse(stepId: string): Promise<void>;
  /** Stop the scan of a kept output (its streamed consumer failed): its ingest fails with `reason`. */
  stop(stepId: string, reason: Error): void;
}

/** The pass-through outputs of a run on `engine` (the DuckDB plane, opened when first needed). */
export function createPassThroughOutputs(
  engine: () => Promise<TypedLoader>,
  signal: AbortSignal,
): PassThroughOutputs {
  const allowed = new Set<string>();
  const outcomes = new Map<string, PassThroughState>();
  const sources = new Map<string, CsvReadOptions>();
  const counted = new Map<string, number>();
  const parsing = new Map<string, Promise<void>>();
  const stoppers = new Map<string, (reason: Error) => void>();
  const sniff: CsvSniffer = async (file, reader, names) => (await engine()).sniffCsv(file, reader, names);
  const keptOf = (stepId: string): PassThroughCsv | undefined => {
    const outcome = outcomes.get(stepId);
    return outcome && 'kept' in outcome ? outcome.kept : undefined;
  };
  const parseOnce = async (stepId: string, csv: PassThroughCsv, options: CsvReadOptions): Promise<void> => {
    await csv.scanned(); // a file the extractor refused is not parsed again
    await (await engine()).createFromCsv(stepId, { ...options, typedOnly: true });
    // typed from now on: every reader after this one reads the table
    outcomes.set(stepId, { parsedBecause: 'a reader needed the rows typed' });
  };
  return {
    allow: (stepId) => void allowed.add(stepId),
    async ingest(stepId, options, onKept, streamed) {
      sources.set(stepId, options);
      const inspected = allowed.has(stepId)
        ? await keepPassThroughCsv(stepId, options, sniff, signal, streamed)
        : { parsedBecause: 'a step other than a database writer reads the rows' };
      if ('parsedBecause' in inspected) {
        outcomes.set(stepId, inspected);
        return (await engine()).createFromCsv(stepId, options);
      }
      outcomes.set(stepId, { kept: inspected.kept });
      stoppers.set(stepId, inspected.stop);
      onKept();
      const { records } = await inspected.scanning.finally(() => stoppers.delete(stepId));
      counted.set(stepId, records);
      return describePassThrough(stepId, inspected.kept, records);
    },
    outcomeOf: (stepId) => outcomes.get(stepId),
    stop: (stepId, reason) => stoppers.get(stepId)?.(reason),
    keptOf(stepId) {
      const csv = keptOf(stepId);
      return csv && { csv, rows: counted.get(stepId) };
    },
    parse(stepId) {
      const csv = keptOf(stepId);
      const options = sources.get(stepId);
      if (!csv || !options) return parsing.get(stepId) ?? Promise.resolve();
      let done = parsing.get(stepId);
      if (!done) parsing.set(stepId, (done = parseOnce(stepId, csv, options)));
      return done;
    },
  };
}
