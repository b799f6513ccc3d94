// Issue 8 section 1, property: random valid CSVs already in the writer's canonical form (minimal
// quoting, NULL as an empty unquoted field, '' as "", LF) go extractor -> data plane -> writer and come
// back as the same bytes. Random delimiters, values holding the delimiter, quotes, CR, LF, CRLF, `#`,
// spaces and non-ASCII text. Seeded: the seed is printed, OSIRIS_PROPERTY_SEED=<seed> replays a run.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvExtractorModule } from '../../src/drivers/csv/filesystem-csv-extractor.js';
import { csvWriterModule } from '../../src/drivers/csv/filesystem-csv-writer.js';
import { createCsvRowRenderer } from '../../src/drivers/sql/csv-row-renderer.js';
import { createDriverHarness } from './contract/step-context.js';
import type { DriverHarness } from './contract/step-context.js';
import { createSeededRandom } from '../support/seeded-random.js';

const SEED = Number(process.env['OSIRIS_PROPERTY_SEED'] ?? Date.now() % 2 ** 31);
const ITERATIONS = Number(process.env['OSIRIS_PROPERTY_ITERATIONS'] ?? 40);

const DELIMITERS = [',', ';', '\t', '|'] as const;
// Pieces of values: the delimiters, the quote, line ends, a comment marker, spaces, multi-byte text.
const PIECES = [
  'a',
  'b',
  'Z',
  '7',
  ' ',
  ',',
  ';',
  '\t',
  '|',
  '"',
  '""',
  '\n',
  '\r\n',
  '\r',
  '#',
  'é',
  '東京',
  '🎬',
  "'",
  '\\',
];

interface Generated {
  names: string[];
  rows: (string | null)[][];
  delimiter: string;
}

function generateTable(random: () => number, detect: boolean): Generated {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const columns = 1 + Math.floor(random() * 6);
  const rowCount = Math.floor(random() * 30);
  const text = (maxPieces: number): string => {
    let value = '';
    const n = 1 + Math.floor(random() * maxPieces);
    for (let i = 0; i < n; i++) value += pick(PIECES);
    return value;
  };
  // Names differ without case (DuckDB compares them so); a prefix keeps them apart.
  const names = Array.from({ length: columns }, (_, i) => `c${i}${random() < 0.5 ? text(3) : ''}`);
  const rows = Array.from({ length: rowCount }, () =>
    names.map(() => {
      const r = random();
      if (r < 0.15) return null;
      if (r < 0.25) return '';
      // With type detection, a letter first keeps every value text (VARCHAR), so the bytes must match.
      return detect ? `v${text(8)}` : text(8);
    }),
  );
  return { names, rows, delimiter: pick(DELIMITERS) };
}

let h: DriverHarness;
beforeAll(async () => {
  h = await createDriverHarness();
  console.log(`csv round-trip property: seed ${SEED} (replay with OSIRIS_PROPERTY_SEED=${SEED})`);
});
afterAll(async () => {
  await h.dispose();
});

async function runStep(
  module: typeof csvExtractorModule,
  stepId: string,
  config: Record<string, unknown>,
  inputs: Record<string, string> = {},
) {
  const { ctx } = h.createContext(stepId);
  return module.create().run({ config, connection: undefined, inputs, ctx });
}

describe('CSV round trip (extractor -> writer), random canonical files', () => {
  it(
    `gives back identical bytes for ${ITERATIONS} random files (seed ${SEED})`,
    async () => {
      const random = createSeededRandom(SEED);
      for (let n = 0; n < ITERATIONS; n++) {
        const detect = n % 2 === 1;
        const table = generateTable(random, detect);
        const renderer = createCsvRowRenderer({
          delimiter: table.delimiter,
          quoting: 'minimal',
          newline: '\n',
        });
        const input = renderer.renderHeader(table.names) + renderer.renderRows(table.rows);
        const source = `in-${n}.csv`;
        writeFileSync(join(h.projectDir, source), input);
        const columns = table.names.map((name) => ({ name, type: 'VARCHAR' }));
        const extracted = await runStep(csvExtractorModule, `extract-${n}`, {
          path: source,
          delimiter: table.delimiter,
          ...(detect ? {} : { columns }),
        });
        const label = `seed ${SEED}, file ${n} (${detect ? 'detected types' : 'VARCHAR columns'}): ${JSON.stringify(input)}`;
        expect(extracted.rowsRead, label).toBe(table.rows.length);
        const target = `out-${n}.csv`;
        const written = await runStep(
          csvWriterModule,
          `write-${n}`,
          { path: target, delimiter: table.delimiter },
          { [`extract-${n}`]: `extract-${n}` },
        );
        expect(written.rowsWritten, label).toBe(table.rows.length);
        expect(readFileSync(join(h.projectDir, target), 'utf8'), label).toBe(input);
      }
    },
    30_000 + ITERATIONS * 500,
  );
});
