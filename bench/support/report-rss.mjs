// Preloaded with `node --import ./bench/support/report-rss.mjs ...`: when the process exits, write its peak
// resident set size (the kernel's maxRSS, which includes DuckDB's native memory) to $OSIRIS_BENCH_RSS_FILE.
import { writeFileSync } from 'node:fs';

const target = process.env.OSIRIS_BENCH_RSS_FILE;
if (target) {
  process.on('exit', () => {
    writeFileSync(
      target,
      JSON.stringify({ pid: process.pid, max_rss_kb: process.resourceUsage().maxRSS }) + '\n',
    );
  });
}
