import { connectionArguments, runTool, type ConnectionTarget } from '../dump/pg-tools';

/**
 * pg_restore with Cotton's flags (COTTON.md §4: --clean --if-exists --no-owner --no-privileges)
 * plus --single-transaction: the whole replay commits or nothing does. That is what keeps a
 * database from ever being half-restored — a pg_restore error, a kill or a power cut mid-way
 * leaves it exactly as it was (still Cotton-empty, so the next start retries). The price is no
 * --jobs parallelism, which a single transaction cannot have. The password travels as
 * PGPASSWORD (runTool), never in argv.
 */
export async function runAtomicPgRestore(target: ConnectionTarget, dumpFile: string, signal?: AbortSignal): Promise<void> {
  const args = [
    '--clean',
    '--if-exists',
    '--no-owner',
    '--no-privileges',
    '--single-transaction',
    '--exit-on-error',
    ...connectionArguments(target),
    '--dbname',
    target.database,
    dumpFile,
  ];
  const tool = runTool('pg_restore', args, target, signal);
  tool.stdout.resume();
  await tool.done;
}
