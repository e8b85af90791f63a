import { z } from 'zod';

const name = z.string().min(1).max(200);

/**
 * The source database as pg_dump saw it, read in the very snapshot it dumped (row-counts.ts):
 * the exact row count of every table whose data the dump holds, the installed extensions and
 * Cotton's applied EF migrations. Kept in the manifest (Cotton's reader ignores the field) and
 * in the RowsCounted event; a restore drill checks the restored database against it.
 */
export const sourceStateSchema = z.strictObject({
  tables: z.array(z.strictObject({ schema: name, table: name, rows: z.number().int().nonnegative() })).max(100_000),
  extensions: z.array(z.strictObject({ name, version: z.string().min(1).max(100) })).max(1000),
  /** `"__EFMigrationsHistory"."MigrationId"` in order; null when the database has no such table. */
  efMigrations: z.array(z.string().min(1).max(150)).max(100_000).nullable(),
});

export type SourceState = z.infer<typeof sourceStateSchema>;
export type TableCount = SourceState['tables'][number];
