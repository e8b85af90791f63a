import { connectionArguments, runTool, type ConnectionTarget } from './pg-tools';

/**
 * Cotton's restore flags (COTTON.md §4): --clean --if-exists --no-owner --no-privileges.
 * From a verified file, so `jobs` > 1 may restore tables in parallel.
 */
export async function runPgRestore(target: ConnectionTarget, dumpFile: string, jobs: number, signal?: AbortSignal): Promise<void> {
  const args = [
    '--clean',
    '--if-exists',
    '--no-owner',
    '--no-privileges',
    '--exit-on-error',
    `--jobs=${Math.max(1, jobs)}`,
    ...connectionArguments(target),
    '--dbname',
    target.database,
    dumpFile,
  ];
  const tool = runTool('pg_restore', args, target, signal);
  tool.stdout.resume();
  await tool.done;
}
