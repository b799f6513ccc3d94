// The CSV dialect the data-plane tests read unless they test another: comma, a header, `"` to quote and
// to escape, UTF-8, NULL as an empty unquoted field.
import type { CsvReadOptions } from '../../../src/core/data-plane.js';

export const STANDARD_CSV: Omit<CsvReadOptions, 'path'> = {
  delimiter: ',',
  header: true,
  quote: '"',
  escape: '"',
  encoding: 'utf-8',
  nullString: '',
};
