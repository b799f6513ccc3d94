#!/usr/bin/env node
// Deterministic "events" generator: plain Node (>= 18), no dependencies.
//
//   node gen-events.mjs N [OUT] [--seed=S] [--csv]      OUT: file path (default events-N.tsv|csv) or '-' for stdout
//
// --csv writes the same rows in Osiris' CSV convention (docs/data-plane.md): a header, NULL as an empty
// unquoted field, '' as "", booleans true/false, fields quoted when they contain , " CR LF or # (the
// writer's minimal quoting). Numbers and texts are the same strings as in the TSV output.
//
// Output: one row per line, no header, in the format both bulk loaders read natively:
//   tab-separated, NULL as \N, and backslash escapes \\ \t \n \r inside values
//   (= PostgreSQL COPY text format = MariaDB LOAD DATA defaults). UTF-8.
// Same N and seed => byte-identical file. The first k rows of a larger N are the same as for N=k.
// Table definitions: events.mysql.sql / events.postgres.sql next to this file (they also show the load commands).
//
// Columns (12):
//   id BIGINT PK 1..N | account_id INT | event_type VARCHAR(64) | message TEXT (<=200 chars, ~10% NULL, ~1% '')
//   amount DECIMAL(12,2) (~10% NULL) | score DOUBLE (~10% NULL) | event_date DATE | created_at DATETIME
//   is_flagged BOOLEAN (0/1) | country CHAR(2) (~10% NULL) | big_counter BIGINT (~10% NULL, up to 2^63-1, i.e. > 2^53)
//   payload JSON (~10% NULL)
import { openSync, writeSync, closeSync } from 'node:fs';

const NULL = '\\N';

const args = process.argv.slice(2);
const seedArg = args.find((a) => a.startsWith('--seed='));
const CSV = args.includes('--csv');
const pos = args.filter((a) => !a.startsWith('--'));
const N = Number(pos[0]);
if (!Number.isSafeInteger(N) || N < 0) {
  console.error('usage: node gen-events.mjs N [OUT|-] [--seed=S]');
  process.exit(2);
}
const out = pos[1] ?? `events-${N}.${CSV ? 'csv' : 'tsv'}`;
const SEED = seedArg ? Number(seedArg.slice(7)) >>> 0 : 20240601;

// Per-row PRNG (mulberry32 seeded from (seed, id)): row i does not depend on earlier rows.
function rowRng(id) {
  let a = (Math.imul(id, 0x9e3779b1) ^ SEED ^ Math.imul(id >>> 16, 0x85ebca6b)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EVENT_TYPES = [
  'page_view',
  'click',
  'signup',
  'login',
  'logout',
  'purchase',
  'refund',
  'add_to_cart',
  'remove_from_cart',
  'search',
  'share',
  'comment',
  'like',
  'error',
  'api_call',
  'export',
  'import',
  'café_visit',
  'übersicht_open',
  'イベント',
];
const WORDS = [
  'the',
  'quick',
  'brown',
  'fox',
  'jumps',
  'over',
  'lazy',
  'dog',
  'order',
  'shipped',
  'payment',
  'failed',
  'retry',
  'user',
  'session',
  'token',
  'value',
  'naïve',
  'café',
  'Zürich',
  'São Paulo',
  'Ελληνικά',
  '東京',
  '北京',
  'привет',
  'مرحبا',
  'שלום',
  'नमस्ते',
  '🚀',
  '✅',
  '😀',
  'emoji👍🏽',
  '"quoted"',
  "it's",
  "O'Brien",
  'a,b',
  'x, y, z',
  '50%',
  '$9.99',
  '€12,50',
  'semi;colon',
  'pipe|bar',
  '<tag>',
  '{json}',
  'NULL',
  'null',
  'N/A',
];
const RARE = ['\t', '\n', '\r\n', '\\', '\\N', 'C:\\temp\\file.txt', '""', "''"];
const cpLen = new Map([...WORDS, ...RARE].map((w) => [w, [...w].length]));
const COUNTRIES = [
  'US',
  'DE',
  'FR',
  'JP',
  'BR',
  'IN',
  'GB',
  'NG',
  'MX',
  'KR',
  'SE',
  'ES',
  'IT',
  'CN',
  'RU',
  'ZA',
];
const SOURCES = ['web', 'ios', 'android', 'api', 'batch'];
const DAY_MS = 86400000;
const DATE0 = Date.UTC(2000, 0, 1);
const DATE_SPAN_DAYS = 11323; // 2000-01-01 .. 2030-12-31
const pad2 = (n) => (n < 10 ? '0' : '') + n;
const ymd = (d) => `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
const hms = (d) => `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
const SPECIAL = /[\\\t\n\r]/;
const CSV_SPECIAL = /[",\r\n#]/;
const csv = (s) =>
  s === null ? '' : s === '' ? '""' : !CSV_SPECIAL.test(s) ? s : '"' + s.replace(/"/g, '""') + '"';
const esc = (s) =>
  s === null
    ? NULL
    : !SPECIAL.test(s)
      ? s
      : s.replace(/[\\\t\n\r]/g, (c) =>
          c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
        );

function message(r) {
  const x = r();
  if (x < 0.1) return null;
  if (x < 0.11) return '';
  const target = 1 + Math.floor(r() * r() * 200); // skewed towards short texts
  const parts = [];
  let len = 0;
  while (len < target) {
    const w = r() < 0.02 ? RARE[Math.floor(r() * RARE.length)] : WORDS[Math.floor(r() * WORDS.length)];
    parts.push(w);
    len += cpLen.get(w) + 1;
  }
  let s = parts.join(r() < 0.3 ? ', ' : ' ');
  if (s.length > 200) {
    // UTF-16 length >= code points: only then count code points
    const cps = [...s];
    if (cps.length > 200) s = cps.slice(0, 200).join('');
  }
  return s;
}

function row(id) {
  const r = rowRng(id);
  const accountId = 1 + Math.floor(r() * 100000);
  const eventType = EVENT_TYPES[Math.floor(r() * r() * EVENT_TYPES.length)];
  const msg = message(r);
  const amount = r() < 0.1 ? null : ((Math.floor(r() * 2000000000) - 100000000) / 100).toFixed(2);
  const score = r() < 0.1 ? null : String((r() - 0.5) * 10 ** Math.floor(r() * 12 - 4));
  const dayMs = DATE0 + Math.floor(r() * DATE_SPAN_DAYS) * DAY_MS;
  const eventDate = ymd(new Date(dayMs));
  const created = new Date(dayMs + Math.floor((r() * DAY_MS) / 1000) * 1000);
  const createdAt = `${ymd(created)} ${hms(created)}`;
  const flagged = r() < 0.25 ? '1' : '0';
  const country = r() < 0.1 ? null : COUNTRIES[Math.floor(r() * COUNTRIES.length)];
  let big = null;
  if (r() >= 0.1) {
    const hi = BigInt(Math.floor(r() * 2 ** 31)); // 0 .. 2^31-1
    const lo = BigInt(Math.floor(r() * 2 ** 32));
    big = ((hi << 32n) | lo).toString(); // 0 .. 2^63-1
  }
  let payload = null;
  if (r() >= 0.1) {
    const obj = { v: Math.floor(r() * 1000), src: SOURCES[Math.floor(r() * SOURCES.length)], ok: r() < 0.8 };
    if (r() < 0.5)
      obj.tags = Array.from({ length: Math.floor(r() * 4) }, () => WORDS[Math.floor(r() * WORDS.length)]);
    if (r() < 0.3) obj.ratio = Math.round(r() * 1e6) / 1e6;
    if (r() < 0.2) obj.note = null;
    payload = JSON.stringify(obj);
  }
  if (CSV) {
    return (
      id +
      ',' +
      accountId +
      ',' +
      eventType +
      ',' +
      csv(msg) +
      ',' +
      (amount ?? '') +
      ',' +
      (score ?? '') +
      ',' +
      eventDate +
      ',' +
      createdAt +
      ',' +
      (flagged === '1' ? 'true' : 'false') +
      ',' +
      (country ?? '') +
      ',' +
      (big ?? '') +
      ',' +
      csv(payload)
    );
  }
  // only message and payload can contain \\ \t \n \r; the other columns never need escaping
  return (
    id +
    '\t' +
    accountId +
    '\t' +
    eventType +
    '\t' +
    esc(msg) +
    '\t' +
    (amount ?? NULL) +
    '\t' +
    (score ?? NULL) +
    '\t' +
    eventDate +
    '\t' +
    createdAt +
    '\t' +
    flagged +
    '\t' +
    (country ?? NULL) +
    '\t' +
    (big ?? NULL) +
    '\t' +
    esc(payload)
  );
}

const fd = out === '-' ? 1 : openSync(out, 'w');
if (CSV)
  writeSync(
    fd,
    'id,account_id,event_type,message,amount,score,event_date,created_at,is_flagged,country,big_counter,payload\n',
  );
const BATCH = 5000;
for (let start = 1; start <= N; start += BATCH) {
  const end = Math.min(N, start + BATCH - 1);
  const lines = new Array(end - start + 1);
  for (let id = start; id <= end; id++) lines[id - start] = row(id);
  writeSync(fd, lines.join('\n') + '\n');
}
if (fd !== 1) closeSync(fd);
if (out !== '-') console.error(`wrote ${N} rows to ${out}`);
