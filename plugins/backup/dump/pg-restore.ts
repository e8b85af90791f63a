import { connectionArguments, runTool, type ConnectionTarget } from './pg-tools';

export interface PgRestoreOptions {
  /**
   * One transaction for the whole replay (the default): a pg_restore error, a kill or a power cut
   * mid-way leaves the database exactly as it was — still Cotton-empty, so the next start retries —
   * never half-restored. The price is no parallelism: a single transaction cannot have --jobs.
   */
  atomic?: boolean;
  /** Parallel restore of a seekable file; only without `atomic` (tools and benchmarks). */
  jobs?: number;
  signal?: AbortSignal;
}

/**
 * pg_restore with Cotton's flags (COTTON.md §4: --clean --if-exists --no-owner --no-privileges).
 * The password travels as PGPASSWORD (runTool), never in argv.
 */
export async function runPgRestore(target: ConnectionTarget, dumpFile: string, options: PgRestoreOptions = {}): Promise<void> {
  const atomic = options.atomic ?? true;
  const args = [
    '--clean',
    '--if-exists',
    '--no-owner',
    '--no-privileges',
    '--exit-on-error',
    atomic ? '--single-transaction' : `--jobs=${Math.max(1, options.jobs ?? 1)}`,
    ...connectionArguments(target),
    '--dbname',
    target.database,
    dumpFile,
  ];
  const tool = runTool('pg_restore', args, target, options.signal);
  tool.stdout.resume();
  await tool.done;
}
