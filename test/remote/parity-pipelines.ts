// The zero-server pipelines of the parity contract: same project files on every target.

const PEOPLE = [
  'id,name,age,city,balance,joined,active,note',
  '1,Ada Lovelace,36,London,10.50,2020-01-31,true,"likes ""quotes"", commas"',
  '2,Grace Hopper,45,New York,20.25,2019-12-01,false,',
  '3,Kid,9,London,1.00,2021-06-15,true,""',
  '4,Linus,28,Helsinki,,2018-03-03,true,multi',
  '5,Zoë Ünicode,61,Zürich,1234567.89,2001-09-09,false,"line one',
  'line two"',
  '6,Bob,17,Paris,0.01,2022-02-28,true,x',
  '7,Chen Wei,33,Beijing,99999999.99,2010-10-10,,y',
  '8,Ama,52,Accra,-5.75,2015-05-05,true,z',
].join('\n');

const CITIES = [
  'city,country',
  'London,UK',
  'New York,US',
  'Helsinki,FI',
  'Zürich,CH',
  'Paris,FR',
  'Beijing,CN',
  'Accra,GH',
].join('\n');
const COUNTRIES = [
  'country,continent,population_m',
  'UK,Europe,67.3',
  'US,North America,333.3',
  'FI,Europe,5.6',
  'CH,Europe,8.8',
  'FR,Europe,68.2',
  'CN,Asia,1411.8',
  'GH,Africa,33.5',
].join('\n');

const EXTRACTS = `  - id: e_people
    component: filesystem.csv_extractor
    mode: read
    config: { path: data/people.csv }
  - id: e_cities
    component: filesystem.csv_extractor
    mode: read
    config: { path: data/cities.csv }
  - id: e_countries
    component: filesystem.csv_extractor
    mode: read
    config: { path: data/countries.csv }
`;

const JOIN3 = `  - id: t_join
    component: duckdb.processor
    mode: transform
    needs: [e_people, e_cities, e_countries]
    config:
      query: >
        SELECT p.id, p.name, p.age, p.city, k.country, k.continent, p.balance, p.joined, p.active, p.note,
               k.population_m
        FROM e_people p JOIN e_cities c ON p.city = c.city JOIN df_e_countries k ON c.country = k.country
        ORDER BY p.id
`;

/** (a) the zero-server example: 3 CSV extracts, DuckDB joins, 2 CSV writers. */
export const ZERO_SERVER = `oml_version: "0.1.0"
name: zero-server
steps:
${EXTRACTS}${JOIN3}  - id: t_summary
    component: duckdb.processor
    mode: transform
    needs: [t_join]
    config:
      query: >
        SELECT continent, count(*) AS people, sum(balance) AS balance, min(joined) AS first_joined,
               bool_and(coalesce(active, false)) AS all_active
        FROM input_df GROUP BY continent ORDER BY continent
  - id: w_detail
    component: filesystem.csv_writer
    mode: write
    needs: [t_join]
    config: { path: out/detail.csv }
  - id: w_summary
    component: filesystem.csv_writer
    mode: write
    needs: [t_summary]
    config: { path: out/summary.csv }
`;

/** (b) ten steps with a 3-input join, several transforms and two writers. */
export const TEN_STEPS = `oml_version: "0.1.0"
name: ten-steps
steps:
${EXTRACTS}${JOIN3}  - id: t_adults
    component: duckdb.processor
    mode: transform
    needs: [t_join]
    config: { query: "SELECT * FROM input_df WHERE age >= 18" }
  - id: t_by_country
    component: duckdb.processor
    mode: transform
    needs: [t_adults]
    config:
      query: "SELECT country, continent, count(*) AS adults, sum(balance) AS balance, avg(age) AS avg_age FROM input_df GROUP BY ALL ORDER BY country"
  - id: t_rank
    component: duckdb.processor
    mode: transform
    needs: [t_by_country]
    config:
      query: "SELECT *, rank() OVER (ORDER BY balance DESC NULLS LAST) AS rnk FROM input_df ORDER BY rnk, country"
  - id: t_stats
    component: duckdb.processor
    mode: transform
    needs: [t_join, t_by_country]
    config:
      query: "SELECT (SELECT count(*) FROM t_join) AS people, (SELECT count(*) FROM t_by_country) AS countries, (SELECT max(population_m) FROM t_join) AS max_pop"
  - id: w_rank
    component: filesystem.csv_writer
    mode: write
    needs: [t_rank]
    config: { path: out/b-rank.csv }
  - id: w_stats
    component: filesystem.csv_writer
    mode: write
    needs: [t_stats]
    config: { path: out/b-stats.csv, quoting: all }
`;

/** (c) fails in its 3rd step with a SQL error; the writer after it never runs. */
export const FAILS_THIRD = `oml_version: "0.1.0"
name: fails-third
steps:
  - id: e_people
    component: filesystem.csv_extractor
    mode: read
    config: { path: data/people.csv }
  - id: e_cities
    component: filesystem.csv_extractor
    mode: read
    config: { path: data/cities.csv }
  - id: t_bad
    component: duckdb.processor
    mode: transform
    needs: [e_people, e_cities]
    config: { query: "SELECT * FROM e_people JOIN no_such_table USING (city)" }
  - id: w_never
    component: filesystem.csv_writer
    mode: write
    needs: [t_bad]
    config: { path: out/never.csv }
`;

/** Project files shared by the pipelines. */
export const PROJECT_FILES: Record<string, string> = {
  'data/people.csv': `${PEOPLE}\n`,
  'data/cities.csv': `${CITIES}\n`,
  'data/countries.csv': `${COUNTRIES}\n`,
  'pipelines/zero-server.yaml': ZERO_SERVER,
  'pipelines/ten-steps.yaml': TEN_STEPS,
  'pipelines/fails-third.yaml': FAILS_THIRD,
};

/** A pipeline that runs one step for a long time (a DuckDB scan of a huge range): for kill/timeout drills. */
export const SLOW_PIPELINE = `oml_version: "0.1.0"
name: slow
steps:
  - id: e_people
    component: filesystem.csv_extractor
    mode: read
    config: { path: data/people.csv }
  - id: t_slow
    component: duckdb.processor
    mode: transform
    needs: [e_people]
    config: { query: "SELECT sum(hash(i)) AS h FROM range(1000000000000) t(i)" }
  - id: w_slow
    component: filesystem.csv_writer
    mode: write
    needs: [t_slow]
    config: { path: out/slow.csv }
`;
