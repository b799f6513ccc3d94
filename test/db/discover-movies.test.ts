// discoverConnection on the movies data of the real MariaDB and PostgreSQL servers (loaded by
// test/support/db-servers.ts): every table, column, source and data-plane type, nullability and primary
// key against a literal expectation, catalog row estimates, samples.
import { describe, expect, it } from 'vitest';
import { discoverConnection } from '../../src/api/discover-connection.js';
import type { DiscoveredTable } from '../../src/core/discovery.js';
import { readDbServers } from '../support/read-db-servers.js';
import { createProject } from '../support/run-osiris.js';
import { runPsql, createServerEnv } from './db-test-kit.js';

const CONNECTIONS = `connections:
  mysql:
    movies:
      host: \${MYSQL_HOST}
      port: \${MYSQL_PORT}
      user: \${MYSQL_USER}
      password: \${MYSQL_PASSWORD}
      database: movies
  postgres:
    warehouse:
      host: \${PG_HOST}
      port: \${PG_PORT}
      user: \${PG_USER}
      password: \${PG_PASSWORD}
      database: etl
  supabase:
    local:
      host: \${PG_HOST}
      port: \${PG_PORT}
      user: \${PG_USER}
      password: \${PG_PASSWORD}
      database: etl
`;

const { mariadb, postgres } = readDbServers();
const env = createServerEnv(mariadb, postgres);

/** `name|source type|data-plane type|null or not null` → a discovered column. */
const col = (spec: string) => {
  const [name, source_type, type, nullable] = spec.split('|');
  return { name, source_type, type, nullable: nullable === 'null' };
};
/** What the literal expectations compare: everything but estimates and samples. */
const shape = (t: DiscoveredTable) => ({
  table: `${t.schema}.${t.name}`,
  kind: t.kind,
  primary_key: t.primary_key,
  columns: t.columns,
});

const MYSQL_MOVIES = [
  {
    table: 'movies.actors',
    kind: 'table',
    primary_key: ['id'],
    columns: [
      'id|int(11)|INTEGER|not null',
      'full_name|varchar(120)|VARCHAR|not null',
      'birth_date|date|DATE|null',
      'height_m|decimal(3,2)|DECIMAL(3,2)|null',
      'is_active|tinyint(1)|BOOLEAN|not null',
      'agent_email|varchar(255)|VARCHAR|null',
    ].map(col),
  },
  {
    table: 'movies.directors',
    kind: 'table',
    primary_key: ['id'],
    columns: [
      'id|int(11)|INTEGER|not null',
      'name|varchar(100)|VARCHAR|not null',
      'birth_date|date|DATE|null',
      'country|varchar(64)|VARCHAR|null',
      'website|varchar(255)|VARCHAR|null',
    ].map(col),
  },
  {
    table: 'movies.movie_actors',
    kind: 'table',
    primary_key: ['movie_id', 'actor_id'],
    columns: [
      'movie_id|int(11)|INTEGER|not null',
      'actor_id|int(11)|INTEGER|not null',
      'role_name|varchar(120)|VARCHAR|null',
      'billing_order|smallint(6)|SMALLINT|not null',
    ].map(col),
  },
  {
    table: 'movies.movies',
    kind: 'table',
    primary_key: ['id'],
    columns: [
      'id|int(11)|INTEGER|not null',
      'title|varchar(200)|VARCHAR|not null',
      'director_id|int(11)|INTEGER|null',
      'release_date|date|DATE|null',
      'runtime_min|smallint(6)|SMALLINT|null',
      'budget_usd|decimal(12,2)|DECIMAL(12,2)|null',
      'box_office_usd|bigint(20)|BIGINT|null',
      'rating|decimal(3,1)|DECIMAL(3,1)|null',
      'popularity|double|DOUBLE|null',
      'is_color|tinyint(1)|BOOLEAN|not null',
      'language|char(2)|VARCHAR|null',
      'synopsis|text|VARCHAR|null',
      'metadata|longtext|JSON|null',
      'created_at|datetime|TIMESTAMP|not null',
    ].map(col),
  },
  {
    table: 'movies.reviews',
    kind: 'table',
    primary_key: ['id'],
    columns: [
      'id|int(11)|INTEGER|not null',
      'movie_id|int(11)|INTEGER|not null',
      'reviewer|varchar(64)|VARCHAR|not null',
      'score|smallint(6)|SMALLINT|not null',
      'body|text|VARCHAR|null',
      'is_verified|tinyint(1)|BOOLEAN|not null',
      'helpful_votes|int(11)|INTEGER|null',
      'reviewed_at|datetime(3)|TIMESTAMP|not null',
    ].map(col),
  },
];

const POSTGRES_MOVIES = [
  {
    table: 'movies.actors',
    kind: 'table',
    primary_key: ['id'],
    columns: [
      'id|integer|INTEGER|not null',
      'full_name|character varying(120)|VARCHAR|not null',
      'birth_date|date|DATE|null',
      'height_m|numeric(3,2)|DECIMAL(3,2)|null',
      'is_active|boolean|BOOLEAN|not null',
      'agent_email|character varying(255)|VARCHAR|null',
    ].map(col),
  },
  {
    table: 'movies.directors',
    kind: 'table',
    primary_key: ['id'],
    columns: [
      'id|integer|INTEGER|not null',
      'name|character varying(100)|VARCHAR|not null',
      'birth_date|date|DATE|null',
      'country|character varying(64)|VARCHAR|null',
      'website|character varying(255)|VARCHAR|null',
    ].map(col),
  },
  {
    table: 'movies.movie_actors',
    kind: 'table',
    primary_key: ['movie_id', 'actor_id'],
    columns: [
      'movie_id|integer|INTEGER|not null',
      'actor_id|integer|INTEGER|not null',
      'role_name|character varying(120)|VARCHAR|null',
      'billing_order|smallint|SMALLINT|not null',
    ].map(col),
  },
  {
    table: 'movies.movies',
    kind: 'table',
    primary_key: ['id'],
    columns: [
      'id|integer|INTEGER|not null',
      'title|character varying(200)|VARCHAR|not null',
      'director_id|integer|INTEGER|null',
      'release_date|date|DATE|null',
      'runtime_min|smallint|SMALLINT|null',
      'budget_usd|numeric(12,2)|DECIMAL(12,2)|null',
      'box_office_usd|bigint|BIGINT|null',
      'rating|numeric(3,1)|DECIMAL(3,1)|null',
      'popularity|double precision|DOUBLE|null',
      'is_color|boolean|BOOLEAN|not null',
      'language|character(2)|VARCHAR|null',
      'synopsis|text|VARCHAR|null',
      'metadata|jsonb|JSON|null',
      'created_at|timestamp(0) without time zone|TIMESTAMP|not null',
    ].map(col),
  },
  {
    table: 'movies.reviews',
    kind: 'table',
    primary_key: ['id'],
    columns: [
      'id|integer|INTEGER|not null',
      'movie_id|integer|INTEGER|not null',
      'reviewer|character varying(64)|VARCHAR|not null',
      'score|smallint|SMALLINT|not null',
      'body|text|VARCHAR|null',
      'is_verified|boolean|BOOLEAN|not null',
      'helpful_votes|integer|INTEGER|null',
      'reviewed_at|timestamp(3) without time zone|TIMESTAMP|not null',
    ].map(col),
  },
];

/** Rows per movies table (test/fixtures/movies). */
const MOVIES_ROWS: Record<string, number> = {
  actors: 20,
  directors: 10,
  movie_actors: 24,
  movies: 16,
  reviews: 14,
};

describe('discover: the movies data, exact', () => {
  it('MariaDB: every table, column, source and data-plane type, nullability and primary key; catalog estimates; samples', async () => {
    const project = createProject({ 'osiris_connections.yaml': CONNECTIONS });
    const result = await discoverConnection({ connection: '@mysql.movies', cwd: project, env, sample: 3 });
    expect(result.schemas).toEqual(['movies']);
    expect(result.tables.map(shape)).toEqual(MYSQL_MOVIES);
    for (const t of result.tables) {
      expect(t.error).toBeUndefined();
      expect(t.row_estimate_source).toBe('catalog');
      // InnoDB's estimate: present and of the right size, not an exact count
      expect(t.row_estimate).toBeGreaterThanOrEqual(0);
      expect(t.row_estimate).toBeLessThanOrEqual((MOVIES_ROWS[t.name] ?? 0) * 2);
      expect(t.sample).toHaveLength(3);
      for (const row of t.sample) expect(row).toHaveLength(t.columns.length);
    }
    const directors = result.tables.find((t) => t.name === 'directors');
    expect(directors?.sample.map((r) => r[0])).toEqual(['1', '2', '3']);
  });

  it('PostgreSQL: every table of schema movies exact; estimates from reltuples or the statistics system', async () => {
    const project = createProject({ 'osiris_connections.yaml': CONNECTIONS });
    const result = await discoverConnection({
      connection: '@postgres.warehouse',
      cwd: project,
      env,
      schema: 'movies',
      sample: 0,
    });
    expect(result.schemas).toEqual(['movies']);
    expect(result.tables.map(shape)).toEqual(POSTGRES_MOVIES);
    for (const t of result.tables) {
      expect(t.error).toBeUndefined();
      // reltuples once (auto)analyzed, else the statistics system's live rows: exact for these small tables
      expect(t.row_estimate).toBe(MOVIES_ROWS[t.name]);
      expect(['catalog', 'statistics']).toContain(t.row_estimate_source);
      expect(t.sample).toEqual([]);
    }
    // after ANALYZE the catalog's reltuples is the estimate, and for these small tables it is exact
    await runPsql(postgres, 'ANALYZE movies.directors');
    const analyzed = await discoverConnection({
      connection: '@postgres.warehouse',
      cwd: project,
      env,
      schema: 'movies',
      tables: ['directors'],
      sample: 0,
    });
    expect(analyzed.tables[0]).toMatchObject({ row_estimate: 10, row_estimate_source: 'catalog' });
  });

  it('Supabase is PostgreSQL: schema public by default, --schema and --tables as for postgres', async () => {
    const project = createProject({ 'osiris_connections.yaml': CONNECTIONS });
    const result = await discoverConnection({ connection: '@supabase.local', cwd: project, env, sample: 0 });
    expect(result.schemas).toEqual(['public']);
    const movies = await discoverConnection({
      connection: '@supabase.local',
      cwd: project,
      env,
      tables: ['movies.movie_actors'],
      schema: 'movies',
    });
    expect(movies.tables.map(shape)).toEqual([POSTGRES_MOVIES[2]]);
  });
});
