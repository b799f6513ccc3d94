/**
 * The connection families that speak PostgreSQL: plain PostgreSQL, and Supabase (a PostgreSQL
 * database reached from outside, which accepts only TLS there).
 */
export const POSTGRES_FLAVOURS = {
  postgres: { label: 'PostgreSQL', remoteSslMode: 'prefer' },
  supabase: { label: 'Supabase (PostgreSQL protocol)', remoteSslMode: 'require' },
} as const;

/** A PostgreSQL connection family. */
export type PostgresFlavour = keyof typeof POSTGRES_FLAVOURS;
