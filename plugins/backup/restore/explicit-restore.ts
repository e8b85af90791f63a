import type { Pool } from 'pg';
import { DATABASE_NAME } from '../../../src/config/database-name';
import type { Clock } from '../../../src/contract/services';
import type { Logger } from '../../../src/logging/logger';
import { migrateBackupSchema } from '../core/migrate-backup-schema';
import { createJournal } from '../projections/journal';
import { deriveEventSealKey } from '../../../src/keys/keys';
import { appendCarriedEvents } from '../events/carry-over-events';
import { restoreBackup, RestoreAbortedError, type RestoreContext, type RestoreOptions, type RestoreReport } from './restore-backup';
import { recordStartupRestore } from './record-startup-restore';
import { createDatabaseIfMissing } from '../../../src/db/ensure-database';

/** One rule for every database name (COTTON_PG_DATABASE, --target-database): see database-name.ts. */
export { DATABASE_NAME };

/**
 * Creates the target database when it does not exist yet (on the server the maintenance pool
 * is connected to). Returns true when it was created. A restore into a new database is the
 * safe way to inspect a backup beside the live one.
 */
export async function ensureDatabase(maintenance: Pool, name: string): Promise<boolean> {
  if (!DATABASE_NAME.test(name)) throw new Error(`"${name}" is not a database name this tool creates (letters, digits, _ and -, at most 63)`);
  return createDatabaseIfMissing(maintenance, name);
}

/**
 * `cotton-backup restore`: restores a chosen (or the latest) backup into a Cotton-empty database
 * and records it in that database's event store (migrated after the restore, so a dump of
 * Cotton's own gets one too). No admin notification: an operator asked for it. A refusal is
 * recorded the same way, unless the database holds a half-done restore, and rethrown
 * (RestoreAbortedError); TargetNotEmptyError touches nothing.
 */
export async function explicitRestore(
  ctx: RestoreContext,
  clock: Clock,
  options: Omit<RestoreOptions, 'trigger'>,
  logger?: Logger,
): Promise<RestoreReport> {
  let report: RestoreReport;
  try {
    report = await restoreBackup(ctx, { ...options, trigger: 'cli' });
  } catch (error) {
    if (!(error instanceof RestoreAbortedError)) throw error;
    // A half-done restore is still there: no place to migrate and record into (the caller says so).
    if (!error.databaseIsClean) throw error;
    await migrateBackupSchema(ctx.pool, logger);
    const journal = createJournal(ctx.pool, deriveEventSealKey(ctx.masterEncryptionKey));
    await appendCarriedEvents(journal, error.carried);
    await journal.append(`restore-${error.restoreId}`, error.events, { expectedVersion: 'no_stream' });
    throw error;
  }
  await migrateBackupSchema(ctx.pool, logger);
  await recordStartupRestore(ctx.pool, createJournal(ctx.pool, deriveEventSealKey(ctx.masterEncryptionKey)), clock, report, { notify: false });
  return report;
}
