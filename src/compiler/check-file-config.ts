// Compile-time checks of the file components' upstream forms (docs/oml-reference.md): a path given with a
// filesystem connection must stay inside its base_dir, parse_dates must agree with config.columns, and the
// CSV dialect characters must be ones every reader can use.
// The drivers check the same at run time; here the finding gets its position in the OML file.
import { isAbsolute, normalize, sep } from 'node:path';
import type { ComponentSpec } from '../core/component-spec.js';
import { describeCsvCharacter, findCsvCharacterClash } from '../core/describe-csv-character.js';
import type { StepConfig } from '../core/manifest.js';
import type { PathSegment } from './parse-oml.js';

/** Type names DuckDB reads as a plain TIMESTAMP (as src/drivers/csv/csv-parse-dates.ts). */
const TIMESTAMP_NAMES = ['TIMESTAMP', 'DATETIME', 'TIMESTAMP WITHOUT TIME ZONE'];

type Fail = (segments: PathSegment[], message: string) => void;

/** A path no file can have (a NUL), or a writer's path naming a directory (a trailing slash). */
function checkPathText(config: StepConfig, spec: ComponentSpec, fail: Fail): void {
  for (const key of spec.pathKeys) {
    const value = config[key];
    if (typeof value !== 'string') continue;
    if (value.includes('\0')) fail([key], `${key} holds a NUL character (\\0), which no file name can hold`);
    else if (spec.modes.includes('write') && /[/\\]$/.test(value))
      fail(
        [key],
        `${key} '${value}' ends with a slash, naming a directory; a writer writes one file: add its name`,
      );
  }
}

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

/**
 * The CSV dialect characters the runtime would refuse, found here with their OML position. The writer has
 * no quote key: it always quotes with `"`, so its delimiter must differ from that.
 */
function checkCsvCharacters(config: StepConfig, fail: Fail): void {
  const delimiter = config.delimiter;
  if (typeof delimiter !== 'string') return;
  const quote = typeof config.quote === 'string' ? config.quote : '"';
  const escape = typeof config.escape === 'string' ? config.escape : quote;
  const keys = [
    ['delimiter', delimiter, false],
    ['quote', config.quote, true],
    ['escape', config.escape, true],
  ] as const;
  let sound = true;
  for (const [key, value, optional] of keys) {
    const problem = typeof value === 'string' ? describeCsvCharacter(value, optional) : undefined;
    if (problem) fail([key], problem);
    sound &&= problem === undefined;
  }
  const clash = sound ? findCsvCharacterClash({ delimiter, quote, escape }) : undefined;
  if (clash) {
    const fixed = 'quote' in config ? '' : ' (this component always quotes with ")';
    const message = `${JSON.stringify(delimiter)} is also the ${clash} character${fixed}; a delimiter must differ from the quote and escape characters`;
    fail(['delimiter'], message);
  }
}

/** Findings of a file component's config that its schema cannot express. */
export function checkFileConfig(config: StepConfig, spec: ComponentSpec, fail: Fail): void {
  checkPathText(config, spec, fail);
  checkConnectionPaths(config, spec, fail);
  checkParseDates(config, fail);
  checkCsvCharacters(config, fail);
}
