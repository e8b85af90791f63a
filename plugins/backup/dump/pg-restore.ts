import { RESTORE_MARKER_SCHEMA } from './sql';
import { connectionArguments, databaseArguments, runTool, type ConnectionTarget } from './pg-tools';

export interface PgRestoreOptions {
  /** Parallel workers; the file must be seekable (a verified dump file, never a pipe). Default 2. */
  jobs?: number;
  signal?: AbortSignal;
}

/**
 * pg_restore with Cotton's flags (COTTON.md §4: --clean --if-exists --no-owner --no-privileges),
 * stopping at the first error. Parallel, so not one transaction: restore/restore-marker.ts is
 * what keeps an interrupted restore from looking like a served database. The password travels
 * as PGPASSWORD (runTool), never in argv.
 */
export async function runPgRestore(target: ConnectionTarget, dumpFile: string, options: PgRestoreOptions = {}): Promise<void> {
  const args = [
    '--clean',
    '--if-exists',
    '--no-owner',
    '--no-privileges',
    '--exit-on-error',
    // A dump of a database where someone made a schema of the marker's name must not replace ours.
    `--exclude-schema=${RESTORE_MARKER_SCHEMA}`,
    `--jobs=${Math.max(1, options.jobs ?? 2)}`,
    ...connectionArguments(target),
    ...databaseArguments(target.database),
    dumpFile,
  ];
  const tool = runTool('pg_restore', args, target, options.signal);
  tool.stdout.resume();
  await tool.done;
}
