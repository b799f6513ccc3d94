// The record tracker an incremental read takes its boundary from: first and last records of a canonical
// CSV stream, whatever the chunking (quoted commas, quotes and line ends, records across chunks).
import { describe, expect, it } from 'vitest';
import { createCsvRecordTracker, parseCsvRecord } from '../../src/drivers/sql/track-csv-records.js';
import { createSeededRandom } from '../support/seeded-random.js';

const TEXT = '1,"a,b",\n2,"say ""hi""\nthere",""\n3,,x\n"4",plain,"multi\nline\n"\n';

describe('CSV record tracker', () => {
  it('parses canonical fields: NULL as an empty unquoted field, "" as the empty string', () => {
    expect(parseCsvRecord('1,"a,b",')).toEqual(['1', 'a,b', null]);
    expect(parseCsvRecord('2,"say ""hi""\nthere",""')).toEqual(['2', 'say "hi"\nthere', '']);
    expect(parseCsvRecord(',,')).toEqual([null, null, null]);
  });

  it('finds the same first and last records for every way of cutting the stream into chunks', () => {
    const bytes = Buffer.from(TEXT);
    const random = createSeededRandom(7);
    for (let trial = 0; trial < 200; trial++) {
      const tracker = createCsvRecordTracker();
      for (let at = 0; at < bytes.length;) {
        const size = 1 + Math.floor(random() * 12);
        tracker.scan(bytes.subarray(at, at + size));
        at += size;
      }
      expect(tracker.first()).toEqual(['1', 'a,b', null]);
      expect(tracker.last()).toEqual(['4', 'plain', 'multi\nline\n']);
      expect(tracker.count()).toEqual({ records: 4, pending: false });
    }
  });

  it('reports bytes after the last line end as pending (the caller then reads the data plane instead)', () => {
    const tracker = createCsvRecordTracker();
    tracker.scan(Buffer.from('1,a\n2,b'));
    expect(tracker.count()).toEqual({ records: 1, pending: true });
    expect(tracker.last()).toEqual(['1', 'a']);
  });
});
