// Supabase is PostgreSQL: the component talks to the project's database over the Postgres protocol
// (connection family `supabase`: host/port/user/password/database, a dsn, or the project `url`).
import type { DriverModule } from '../../core/index.js';
import { createPostgresExtractorModule } from './postgres-extractor.js';

/** `supabase.extractor`. */
export const supabaseExtractorModule: DriverModule = createPostgresExtractorModule('supabase');
