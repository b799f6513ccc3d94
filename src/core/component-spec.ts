import type { StepMode } from './manifest.js';

/** A JSON Schema (draft-07) object; kept loose here so core has no schema library. */
export type JsonSchema = Record<string, unknown>;

/** A package a component needs at run time (checked in sandboxes before any step). */
export interface RuntimeDependency {
  /** npm package name. */
  name: string;
  /** Exact version installed when missing. */
  version: string;
}

/** What the compiler, the CLI and the worker know about a component. */
export interface ComponentSpec {
  /** `family.kind`, e.g. `filesystem.csv_writer`. */
  name: string;
  /** Spec version. */
  version: string;
  /** One line for `components list`. */
  title: string;
  /** Modes a step of this component may use. */
  modes: StepMode[];
  /** JSON Schema of the config, with `default`s, `additionalProperties: false`. */
  configSchema: JsonSchema;
  /** Config keys (dotted paths) whose values are secrets and may never be literals. */
  secrets: string[];
  /** Connection families the `connection` key accepts (empty: no connection). */
  connectionFamilies: string[];
  /** Config keys that are file paths relative to the project directory. */
  pathKeys: string[];
  /** Packages needed at run time. */
  runtimeDependencies: RuntimeDependency[];
  /** An example step config. */
  example: Record<string, unknown>;
  /**
   * Extractors: `streams` when the rows are handed over as a canonical CSV file written while they are
   * read, so a writer that consumes it directly may read them as they come (docs/data-plane.md).
   */
  handover?: { streams: boolean };
  /** Writers: reads its single input through `exportCsvStream`/`describe` as it comes (a streamed hand-over). */
  consumesStream?: boolean;
  /**
   * Extractors: the output may stay the source CSV file, unparsed, when every consumer `loadsPassThrough`
   * (the data plane then keeps it as a PassThroughCsv). Writers: loads such a file's bytes with the
   * database's own loader when its dialect suits it, else parses it (docs/data-plane.md).
   */
  passThrough?: 'source' | 'loader';
}

/** The component catalog the compiler receives as a parameter. */
export type ComponentCatalog = ReadonlyMap<string, ComponentSpec>;
