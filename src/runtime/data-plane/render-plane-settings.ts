/** The statements a new DuckDB data plane runs on its main connection before any step. */
import { CANONICAL_MACROS, quoteString } from './canonical-text-sql.js';

/**
 * UTC, no FSST compression, the canonical-text macros and, for sandbox runs, the directories SQL may
 * touch (`confineTo`).
 */
export function renderPlaneSettings(confineTo?: readonly string[]): string[] {
  return [
    `SET GLOBAL TimeZone = 'UTC'`,
    // FSST string compression made loading and copying ~1.5x slower (1M events rows: load 1.9-2.3 s ->
    // 1.3 s, CTAS 1.1-1.6 s -> 0.5 s) for a scratch file twice as small; disk is cheaper than time here.
    `SET GLOBAL disabled_compression_methods = 'fsst'`,
    ...CANONICAL_MACROS,
    ...(confineTo ? renderConfinement(confineTo) : []),
  ];
}

/**
 * Sandbox runs: a processor's SQL may touch only these directories (read_text('../.env') is refused).
 * DuckDB resolves symlinks before the check; lock_configuration keeps a query from undoing it.
 */
function renderConfinement(dirs: readonly string[]): string[] {
  const list = dirs.map((d) => quoteString(d.endsWith('/') ? d : `${d}/`)).join(', ');
  return [
    `SET allowed_directories = [${list}]`,
    'SET enable_external_access = false',
    'SET lock_configuration = true',
  ];
}
