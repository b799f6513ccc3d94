// Supabase is PostgreSQL: the component writes to the project's database over the Postgres protocol
// (connection family `supabase`: host/port/user/password/database, a dsn, or the project `url`).
import type { DriverModule } from '../../core/index.js';
import { createPostgresWriterModule } from './postgres-writer.js';

/** `supabase.writer`. */
export const supabaseWriterModule: DriverModule = createPostgresWriterModule('supabase');
