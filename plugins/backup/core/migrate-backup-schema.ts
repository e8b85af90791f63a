import type { Pool } from 'pg';
import type { Logger } from '../../../src/logging/logger';
import { runMigrations } from '../../../src/db/migrations/runner';
import { MIGRATIONS_PATH } from './migrations-path';

/** Brings the plugin's schema up to date: what the hooks, the CLI and a restore each run before they record. */
export function migrateBackupSchema(pool: Pool, logger?: Pick<Logger, 'info' | 'debug'>): ReturnType<typeof runMigrations> {
  return runMigrations(pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }], logger);
}
