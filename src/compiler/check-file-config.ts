// Compile-time checks of the file components' upstream forms (docs/oml-reference.md): a path given with a
// filesystem connection must stay inside its base_dir, and parse_dates must agree with config.columns.
// The drivers check the same at run time; here the finding gets its position in the OML file.
import { isAbsolute, normalize, sep } from 'node:path';
import type { ComponentSpec } from '../core/component-spec.js';
import type { StepConfig } from '../core/manifest.js';
import type { PathSegment } from './parse-oml.js';

/** Type names DuckDB reads as a plain TIMESTAMP (as src/drivers/csv/csv-parse-dates.ts). */
const TIMESTAMP_NAMES = ['TIMESTAMP', 'DATETIME', 'TIMESTAMP WITHOUT TIME ZONE'];

type Fail = (segments: PathSegment[], message: string) => void;

function checkConnectionPaths(config: StepConfig, spec: ComponentSpec, fail: Fail): void {
  const ref = config.connection;
  if (typeof ref !== 'string' || !spec.connectionFamilies.includes('filesystem')) return;
  for (const key of spec.pathKeys) {
    const value = config[key];
    if (typeof value !== 'string') continue;
    const clean = normalize(value);
    const why = isAbsolute(value)
      ? 'is absolute'
      : clean === '..' || clean.startsWith(`..${sep}`)
        ? 'leaves base_dir'
        : undefined;
    if (why === undefined) continue;
    fail(
      [key],
      `${key} '${value}' ${why}, but connection '${ref}' makes it relative to that connection's base_dir; give a path inside base_dir, or drop connection`,
    );
  }
}

function checkParseDates(config: StepConfig, fail: Fail): void {
  const dates = config.parse_dates;
  const columns = config.columns;
  if (!Array.isArray(dates) || !Array.isArray(columns)) return;
  const declared = columns.filter(
    (c): c is { name: string; type: string } =>
      typeof c === 'object' && c !== null && typeof c.name === 'string' && typeof c.type === 'string',
  );
  dates.forEach((name: unknown, i) => {
    if (typeof name !== 'string') return;
    const column = declared.find((c) => c.name === name);
    if (!column) {
      fail(
        ['parse_dates', i],
        `parse_dates names '${name}', which columns does not declare (columns: ${declared.map((c) => c.name).join(', ')})`,
      );
    } else if (!TIMESTAMP_NAMES.includes(column.type.trim().toUpperCase().replace(/\s+/g, ' '))) {
      fail(
        ['parse_dates', i],
        `parse_dates reads '${name}' as TIMESTAMP, but columns declares it ${column.type}; drop it from one of them`,
      );
    }
  });
}

/** Findings of a file component's config that its schema cannot express. */
export function checkFileConfig(config: StepConfig, spec: ComponentSpec, fail: Fail): void {
  checkConnectionPaths(config, spec, fail);
  checkParseDates(config, fail);
}
