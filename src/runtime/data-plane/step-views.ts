/**
 * The names a step's SQL can use for its inputs' tables, as TEMP views that live for the one statement:
 * each input name, the `df_<id>` alias of each upstream step, and `input_df` when there is one upstream.
 * Nothing is kept in the catalog between steps (a view per step made every later step slower).
 */
import { OsirisError } from '../../core/errors.js';
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
 * Each input name becomes a TEMP view of its upstream table, and so does each upstream's `df_` alias;
 * `input_df` too when exactly one upstream step is bound. `checkOutput` rejects when a step has no
 * output table. Returns the views made.
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
  for (const from of upstream) if (!bindings.has(aliasOf(from))) bindings.set(aliasOf(from), from);
  const views: string[] = [];
  const checked = new Set<string>();
  try {
    for (const [name, from] of bindings) {
      if (!checked.has(from))
        await checkOutput(from).catch(() => {
          throw new OsirisError(
            'input_error',
            `input "${name}" refers to step "${from}", which has no output table in the data plane`,
            { where: stepId },
          );
        });
      checked.add(from);
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
