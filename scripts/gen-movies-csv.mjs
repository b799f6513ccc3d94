#!/usr/bin/env node
// Writes examples/movies-csv/data/{directors,actors,movies,movie_actors,reviews}.csv and schema.json.
// The data tables are our own movies dataset (84 rows), the same rows as test/fixtures/movies/mysql.sql
// and postgres.sql: a change to those rows must be made here too. Plain Node, deterministic: running it
// again re-creates byte-identical files.
//
// CSV convention (docs/data-plane.md): header row; NULL is an empty unquoted field and '' is ""; booleans
// true/false; DECIMAL exact with its scale; DATE YYYY-MM-DD; TIMESTAMP YYYY-MM-DD HH:MM:SS with a
// fraction only when non-zero (trailing zeros trimmed); DOUBLE as ECMAScript's shortest round-trip
// text; JSON as PostgreSQL jsonb's canonical text; UTF-8, LF. A field is quoted when it is "" or holds
// the delimiter, a quote, CR, LF or '#' (the same rule as the filesystem.csv_writer, minimal quoting).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'movies-csv', 'data');

// ---------------------------------------------------------------- schema
// logical type -> DuckDB type of the data plane (what the example pipeline declares in `columns`)
const T = {
  int: 'INTEGER',
  smallint: 'SMALLINT',
  bigint: 'BIGINT',
  bool: 'BOOLEAN',
  date: 'DATE',
  datetime: 'TIMESTAMP',
  datetime3: 'TIMESTAMP',
  text: 'VARCHAR',
  json: 'JSON',
  double: 'DOUBLE',
  char2: 'VARCHAR',
  v: () => 'VARCHAR',
  dec: (p, s) => `DECIMAL(${p},${s})`,
};

// columns: [name, type, 'NOT NULL' | null]
const tables = [
  {
    name: 'directors',
    cols: [
      ['id', T.int, 'NOT NULL'],
      ['name', T.v(100), 'NOT NULL'],
      ['birth_date', T.date, null],
      ['country', T.v(64), null],
      ['website', T.v(255), null],
    ],
    pk: ['id'],
  },
  {
    name: 'actors',
    cols: [
      ['id', T.int, 'NOT NULL'],
      ['full_name', T.v(120), 'NOT NULL'],
      ['birth_date', T.date, null],
      ['height_m', T.dec(3, 2), null],
      ['is_active', T.bool, 'NOT NULL'],
      ['agent_email', T.v(255), null],
    ],
    pk: ['id'],
  },
  {
    name: 'movies',
    cols: [
      ['id', T.int, 'NOT NULL'],
      ['title', T.v(200), 'NOT NULL'],
      ['director_id', T.int, null],
      ['release_date', T.date, null],
      ['runtime_min', T.smallint, null],
      ['budget_usd', T.dec(12, 2), null],
      ['box_office_usd', T.bigint, null],
      ['rating', T.dec(3, 1), null],
      ['popularity', T.double, null],
      ['is_color', T.bool, 'NOT NULL'],
      ['language', T.char2, null],
      ['synopsis', T.text, null],
      ['metadata', T.json, null],
      ['created_at', T.datetime, 'NOT NULL'],
    ],
    pk: ['id'],
    fks: [['director_id', 'directors', 'id']],
  },
  {
    name: 'movie_actors',
    cols: [
      ['movie_id', T.int, 'NOT NULL'],
      ['actor_id', T.int, 'NOT NULL'],
      ['role_name', T.v(120), null],
      ['billing_order', T.smallint, 'NOT NULL'],
    ],
    pk: ['movie_id', 'actor_id'],
    fks: [
      ['movie_id', 'movies', 'id'],
      ['actor_id', 'actors', 'id'],
    ],
  },
  {
    name: 'reviews',
    cols: [
      ['id', T.int, 'NOT NULL'],
      ['movie_id', T.int, 'NOT NULL'],
      ['reviewer', T.v(64), 'NOT NULL'],
      ['score', T.smallint, 'NOT NULL'],
      ['body', T.text, null],
      ['is_verified', T.bool, 'NOT NULL'],
      ['helpful_votes', T.int, null],
      ['reviewed_at', T.datetime3, 'NOT NULL'],
    ],
    pk: ['id'],
    fks: [['movie_id', 'movies', 'id']],
  },
];

// ---------------------------------------------------------------- data
const J = (v) => ({ json: v }); // marks a JSON value

const directors = [
  [1, 'Aiko Tanaka (田中 愛子)', '1961-04-07', 'Japan', 'https://example.org/aiko'],
  [2, 'Agnès Lefèvre', '1948-12-01', 'France', null],
  [3, 'Björn Ångström', '1975-06-30', 'Sweden', 'https://example.org/bjorn?lang=sv&x=1'],
  [4, 'Ngozi Okafor', '1982-02-28', 'Nigeria', null],
  [5, 'José María Peña', '1970-10-10', 'Mexico', 'https://example.org/jmp'],
  [6, '김서연 (Seo-yeon Kim)', '1988-08-08', 'South Korea', null],
  [7, "Olamide O'Brien", null, null, null],
  [8, 'Zoë "Zed" Müller', '1990-01-01', 'Germany', ''],
  [9, 'Владимир Петров', '1955-03-15', 'Russia', null],
  [10, 'NULL', '2000-02-29', 'Nowhere, Land', null],
];

const actors = [
  [1, 'Mara Quinn', '1985-01-15', '1.68', 1, 'mara@agency.example'],
  [2, 'Tomás Ruiz', '1979-07-04', '1.82', 1, null],
  [3, 'Hana Sato (佐藤 花)', '1992-11-30', '1.60', 1, 'hana@agency.example'],
  [4, "D'Angelo Marks", '1968-05-21', '1.91', 0, null],
  [5, 'Léa Dubois', null, null, 1, null],
  [6, 'Kwame Mensah', '1988-03-03', '1.77', 1, 'kwame+films@agency.example'],
  [7, 'Ingrid Solberg', '1959-09-09', '1.74', 0, null],
  [8, 'Ravi "Rocket" Kapoor', '1995-12-25', '1.80', 1, 'ravi@agency.example'],
  [9, 'Анна Смирнова', '1983-06-06', '1.65', 1, null],
  [10, 'Chen Wei (陈伟)', '1975-04-01', '1.70', 1, 'chen@agency.example'],
  [11, 'Fatima Al-Sayed (فاطمة)', '1990-08-19', '1.63', 1, null],
  [12, 'Ólafur Jónsson', '1966-02-14', '1.88', 0, null],
  [13, 'Sofia Rossi', '2001-10-31', '1.58', 1, 'sofia@agency.example'],
  [14, 'Jack "JJ" Jones, Jr.', '1970-01-01', '1.79', 1, null],
  [15, 'Emma-Louise Brown', '1999-07-07', '1.71', 1, 'emma@agency.example'],
  [16, 'Pierre Lambert', '1945-11-11', '1.76', 0, null],
  [17, 'Yuki Nakamura 🎭', '1993-05-05', '1.62', 1, null],
  [18, 'Noah Fischer', '1987-12-12', '1.85', 1, 'noah@agency.example'],
  [19, '  Padded Name  ', '1980-06-15', '1.99', 1, null],
  [20, 'Zé', '2005-03-01', '1.50', 1, null],
];

const movies = [
  [
    1,
    'The Quiet River',
    1,
    '1998-05-14',
    121,
    '1500000.00',
    4200000,
    '8.1',
    71.25,
    1,
    'ja',
    'A fisherman, his daughter, and a river that remembers.',
    J({ tags: ['drama', 'family'], awards: 2 }),
    '2020-01-01 00:00:00',
  ],
  [
    2,
    'Noir, Again',
    2,
    '1975-09-03',
    95,
    '250000.50',
    900000,
    '7.4',
    33.5,
    0,
    'fr',
    'She said "no", twice — and meant it both times.',
    J({ tags: ['noir'], restored: true }),
    '2020-01-02 10:30:00',
  ],
  [
    3,
    'Northern Lights',
    3,
    '2010-12-01',
    140,
    '12000000.00',
    31000000,
    '7.9',
    88.125,
    1,
    'sv',
    'Line one of the synopsis.\nLine two, after a newline.\nLine three.',
    J({ tags: ['epic', 'winter'], sequel_of: null }),
    '2020-01-03 23:59:59',
  ],
  [
    4,
    'Lagos Nights',
    4,
    '2019-07-19',
    112,
    '800000.00',
    2500000,
    '7.2',
    54.0,
    1,
    'en',
    "It's O'Brien's favourite; it's everyone's favourite.",
    J({ tags: ['thriller'], 'box-office': { week1: 120000, week2: 95000 } }),
    '2020-02-29 12:00:00',
  ],
  [
    5,
    'Desierto Rojo',
    5,
    '2005-03-11',
    99,
    '3000000.00',
    null,
    '6.8',
    12.75,
    1,
    'es',
    'Tabs\tseparate\tthese\twords; a backslash \\ sits here; and \\N is not NULL.',
    J({ note: 'path C:\\films\\rojo', tags: [] }),
    '2020-03-01 08:15:30',
  ],
  [
    6,
    '서울의 밤 (Seoul Nights)',
    6,
    '2021-10-01',
    128,
    '9500000.00',
    15000000,
    '8.4',
    97.5,
    1,
    'ko',
    '한국어 줄거리: 도시의 밤, 그리고 비밀. 🎬🍿',
    J({ tags: ['thriller', '범죄'], imdb: 'tt0000006' }),
    '2021-10-02 18:45:00',
  ],
  [7, 'Untitled Project', 7, null, null, null, null, null, null, 1, null, null, null, '2022-01-01 00:00:00'],
  [
    8,
    'Silent Film No. 8',
    8,
    '1927-01-01',
    64,
    '15000.00',
    30000,
    '6.0',
    1.5,
    0,
    null,
    '',
    J({}),
    '2020-04-04 04:04:04',
  ],
  [
    9,
    'Зимний сад',
    9,
    '1984-02-02',
    150,
    '450000.00',
    1200000,
    '7.7',
    22.0,
    1,
    'ru',
    'Windows line\r\nending and a trailing space ',
    J({ tags: ['драма'] }),
    '2020-05-05 05:05:05',
  ],
  [
    10,
    'The "Quoted" Title, With Commas',
    10,
    '2001-09-09',
    88,
    '99999.99',
    100,
    '3.3',
    0.1,
    1,
    'en',
    'NULL',
    J({ quote: 'He said "hi", then left', nested: { a: [1, 2, { b: null }] } }),
    '2020-06-06 06:06:06',
  ],
  [
    11,
    'Orphan Reel',
    null,
    '1999-12-31',
    77,
    '12345.67',
    54321,
    '5.5',
    5.5,
    1,
    'en',
    'No director on record.',
    null,
    '2020-07-07 07:07:07',
  ],
  [
    12,
    'The Quiet River II',
    1,
    '2003-05-14',
    118,
    '2500000.00',
    3900000,
    '7.0',
    40.0,
    1,
    'ja',
    'Back to the river; "the river" remembers more.',
    J({ tags: ['drama'], sequel_of: 1 }),
    '2020-08-08 08:08:08',
  ],
  [
    13,
    "A Very Long Title That Keeps Going And Going Until It Is Quite Long Indeed: The Director's Cut",
    5,
    '2015-06-15',
    181,
    '55000000.00',
    210000000,
    '8.9',
    99.99,
    1,
    'es',
    'Très longue histoire — ünïcödé everywhere: naïve café, façade, coöperate, e\u0301 (combining), ﬁ ligature.',
    J({ cut: "director's", tags: ['epic', 'director’s cut'] }),
    '2020-09-09 09:09:09',
  ],
  [
    14,
    'Short',
    4,
    '2023-03-03',
    12,
    '500.00',
    0,
    '9.9',
    0.0,
    1,
    'yo',
    'E kaabo! ẹ ṣé, Ọlọ́run.',
    J({ festival: 'Lagos Shorts', tags: ['short'] }),
    '2023-03-04 00:00:01',
  ],
  [
    15,
    'Marathon',
    3,
    '2011-11-11',
    300,
    '7000000.00',
    8000000,
    '6.1',
    15.625,
    1,
    'sv',
    'Commas, commas, commas,,, and "quotes" and \'apostrophes\' and a ; semicolon',
    J({ tags: ['sport'], runtime_note: '5h, no intermission' }),
    '2020-11-11 11:11:11',
  ],
  [
    16,
    'فيلم عربي',
    2,
    '2018-04-04',
    105,
    '1200000.00',
    1500000,
    '7.5',
    44.4,
    1,
    'ar',
    'نص عربي من اليمين إلى اليسار، مع فاصلة.',
    J({ tags: ['drama'], rtl: true }),
    '2020-12-12 12:12:12',
  ],
];

const movieActors = [
  [1, 1, "Fisherman's daughter", 1],
  [1, 7, 'The Fisherman', 2],
  [2, 5, 'Madeleine', 1],
  [2, 16, 'Inspector "Le Chat"', 2],
  [3, 12, 'Lars', 1],
  [3, 7, null, 2],
  [4, 6, 'Tunde', 1],
  [4, 4, 'Mr. Big', 2],
  [5, 2, 'El Rojo', 1],
  [5, 13, null, 3],
  [6, 10, '형사 (Detective)', 1],
  [6, 3, 'Mi-rae', 2],
  [8, 16, 'The Tramp', 1],
  [9, 9, 'Ольга', 1],
  [10, 14, 'Narrator, uncredited', 1],
  [10, 19, '  padded role  ', 2],
  [11, 18, 'Projectionist', 1],
  [12, 1, 'Grown daughter', 1],
  [13, 2, 'Don Pedro', 1],
  [13, 15, 'Lucía', 2],
  [14, 6, 'Ade', 1],
  [15, 8, 'Runner #1', 1],
  [16, 11, 'ليلى', 1],
  [16, 17, 'Visitor 🎭', 2],
];

const reviews = [
  [1, 1, 'cinephile42', 9, 'Beautiful.\nTruly beautiful.', 1, 12, '2021-01-01 10:00:00.000'],
  [2, 1, 'grumpy_critic', 4, 'Too slow, too long, too "artistic".', 0, 3, '2021-01-02 11:30:15.250'],
  [3, 2, 'noir_fan', 8, null, 1, null, '2021-02-14 20:00:00.999'],
  [4, 3, 'snowbird', 10, 'Best film of the decade — no contest. ❄️', 1, 40, '2021-03-01 00:00:00.001'],
  [5, 4, 'lagos_local', 7, "Loved it; can't wait for part two.", 1, 7, '2021-04-01 12:34:56.789'],
  [6, 5, 'path\\finder', 6, 'C:\\reviews\\rojo.txt says: fine', 0, 0, '2021-05-05 05:05:05.050'],
  [7, 6, '영화광', 10, '최고의 영화! 🎬', 1, 99, '2021-10-03 21:00:00.500'],
  [8, 8, 'silent_bob', 5, '', 0, null, '2021-06-06 06:06:06.000'],
  [9, 10, 'NULL', 1, 'NULL', 0, 1, '2021-07-07 07:07:07.700'],
  [10, 10, 'comma,user', 2, 'a,b,c\n"d","e"\n', 1, 2, '2021-07-08 08:00:00.000'],
  [11, 13, 'marathoner', 9, 'Worth every minute of the 181.', 1, 15, '2021-08-08 18:18:18.180'],
  [12, 14, 'shorty', 8, 'Short and sweet.\tTabbed.', 1, 4, '2021-09-09 09:09:09.090'],
  [13, 15, 'tired_legs', 3, 'Five hours?!', 0, 22, '2021-11-11 11:11:11.110'],
  [14, 16, 'مراجع', 8, 'رائع جداً', 1, 5, '2021-12-12 12:12:12.120'],
];

const data = { directors, actors, movies, movie_actors: movieActors, reviews };

// ---------------------------------------------------------------- rendering
// JSON text in PostgreSQL jsonb's canonical output form (keys ordered by byte length then bytes,
// ", " and ": " separators), so `SELECT metadata` returns the same text from both servers.
function pgJson(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[' + v.map(pgJson).join(', ') + ']';
  if (typeof v === 'object') {
    const keys = Object.keys(v).sort((a, b) => {
      const ba = Buffer.from(a),
        bb = Buffer.from(b);
      return ba.length - bb.length || Buffer.compare(ba, bb);
    });
    return '{' + keys.map((k) => JSON.stringify(k) + ': ' + pgJson(v[k])).join(', ') + '}';
  }
  return JSON.stringify(v);
}

function canonicalTimestamp(text) {
  const [whole, fraction = ''] = text.split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return trimmed ? `${whole}.${trimmed}` : whole;
}

function cell(value, type) {
  if (value === null) return null;
  if (value && typeof value === 'object' && 'json' in value) return pgJson(value.json);
  if (type === T.bool) return value ? 'true' : 'false';
  if (type === T.datetime3 && typeof value === 'string') return canonicalTimestamp(value);
  return String(value); // numbers: ECMAScript shortest round trip (54.0 -> "54"); texts and decimals as written
}

function field(text) {
  if (text === null) return '';
  if (text === '') return '""';
  return /[",\r\n#]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

mkdirSync(outDir, { recursive: true });
for (const t of tables) {
  const rows = data[t.name];
  const lines = [t.cols.map(([name]) => field(name)).join(',')];
  for (const r of rows) {
    if (r.length !== t.cols.length) throw new Error(`${t.name}: row ${r[0]} has ${r.length} values`);
    lines.push(r.map((v, i) => field(cell(v, t.cols[i][1]))).join(','));
  }
  writeFileSync(join(outDir, `${t.name}.csv`), lines.join('\n') + '\n');
}
const schema = {
  note: 'GENERATED by scripts/gen-movies-csv.mjs: column types of the movies CSV files (DuckDB types), in file order.',
  tables: tables.map((t) => ({
    name: t.name,
    rows: data[t.name].length,
    primary_key: t.pk,
    columns: t.cols.map(([name, type, nn]) => ({ name, type, nullable: nn === null })),
  })),
};
writeFileSync(join(outDir, 'schema.json'), JSON.stringify(schema, null, 2) + '\n');
const total = Object.values(data).reduce((n, r) => n + r.length, 0);
console.log(`wrote ${tables.length} CSV files (${total} rows) and schema.json to ${outDir}`);
