/** Estimates records sent from the line ends seen (for `write.progress`; the final count comes from the database). */
export interface CsvProgressCounter {
  /** Feed the next chunk; returns the records sent so far, never more than the total. */
  add(chunk: Buffer): number;
}

const NEWLINE = 0x0a;

/**
 * Counts line ends with Buffer#indexOf (memchr speed: a byte loop that tracks quotes costs ~0.6 s of the
 * loading core per million rows). A newline inside a quoted value counts too, so the figure is capped.
 */
export function createCsvProgressCounter(total: number): CsvProgressCounter {
  let lines = 0;
  return {
    add(chunk) {
      for (let i = chunk.indexOf(NEWLINE); i >= 0; i = chunk.indexOf(NEWLINE, i + 1)) lines++;
      return Math.min(lines, total);
    },
  };
}
