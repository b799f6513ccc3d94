/**
 * Longest identifiers the compiler accepts, in UTF-8 bytes. A step id names `cfg/<id>.json`,
 * `artifacts/<id>/` and the step's DuckDB table, and its SQL alias is `df_<id>`: 60 bytes keep that alias
 * within PostgreSQL's 63-byte identifiers (a table named after a step can move to PostgreSQL unchanged) and
 * every file name far below the 255 bytes of common file systems. The pipeline id names `build/<id>/`; 128
 * bytes leave room under the 255-byte file-name limit and keep build paths readable.
 */
export const NAME_LIMITS = { stepIdBytes: 60, pipelineIdBytes: 128 } as const;
