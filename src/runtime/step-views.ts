/**
 * The names a step's SQL can use for other steps' tables (DESIGN 5.6): its input names as TEMP views for
 * the statement, and a `df_<id>` alias view per step output.
 */
import { OsirisError } from '../core/errors.js';
import { quoteIdent } from './canonical-text-sql.js';
import type { SqlSession } from './load-csv-table.js';

/** `df_<id>` with every character outside [a-z0-9_] replaced by `_`. */
export function aliasOf(stepId: string): string {
  return `df_${stepId.replace(/[^a-z0-9_]/g, '_')}`;
}

/** Drop the TEMP views made by bindInputViews. */
export async function dropInputViews(session: SqlSession, views: readonly string[]): Promise<void> {
  for (const view of views) await session.run(`DROP VIEW IF EXISTS temp.main.${quoteIdent(view)}`);
}

/**
 * Each input name becomes a TEMP view of its upstream table; `input_df` too when exactly one upstream
 * step is bound. `checkOutput` rejects when a step has no output table. Returns the views made.
 */
export async function bindInputViews(
  session: SqlSession,
  stepId: string,
  inputs: Record<string, string>,
  checkOutput: (stepId: string) => Promise<unknown>,
): Promise<string[]> {
  const bindings = new Map(Object.entries(inputs));
  const upstream = new Set(bindings.values());
  const [only] = upstream;
  if (upstream.size === 1 && only !== undefined && !bindings.has('input_df')) bindings.set('input_df', only);
  const views: string[] = [];
  try {
    for (const [name, from] of bindings) {
      await checkOutput(from).catch(() => {
        throw new OsirisError(
          'input_error',
          `input "${name}" refers to step "${from}", which has no output table in the data plane`,
          { where: stepId },
        );
      });
      if (name === from) continue;
      await session.run(
        `CREATE OR REPLACE TEMP VIEW ${quoteIdent(name)} AS SELECT * FROM main.${quoteIdent(from)}`,
      );
      views.push(name);
    }
  } catch (error) {
    await dropInputViews(session, views);
    throw error;
  }
  return views;
}

// DuckDB names the kind of an existing object when a statement wants the other kind; the catalog
// functions (duckdb_tables(), duckdb_views()) would answer too, but they scan every table of the run.
const OTHER_KIND = /is of type (Table|View)/i;

/** Create the `df_<id>` view of a step's table, unless that name is some step's own table. */
export async function createAliasView(session: SqlSession, stepId: string): Promise<void> {
  const alias = aliasOf(stepId);
  if (alias === stepId) return;
  await session
    .run(`CREATE OR REPLACE VIEW main.${quoteIdent(alias)} AS SELECT * FROM main.${quoteIdent(stepId)}`)
    .catch((error: unknown) => {
      if (!OTHER_KIND.test(String((error as Error).message))) throw error;
    });
}

/** A step's own table wins over another step's `df_` alias of the same name: drop the alias. */
export async function dropAliasNamed(session: SqlSession, name: string): Promise<void> {
  await session.run(`DROP VIEW IF EXISTS main.${quoteIdent(name)}`).catch((error: unknown) => {
    if (!OTHER_KIND.test(String((error as Error).message))) throw error;
  });
}
