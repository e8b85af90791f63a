import type { CliRuntime } from '../../../src/cli/runtime';
import { MIGRATIONS_PATH } from '../migrations-path';
import type { BackupServices } from '../services';

/**
 * The plugin's services for a CLI command, over the same configuration as the host. The
 * plugin's schema is brought up to date first (idempotent, under the runner's lock), so a
 * command works on a database no host has started on yet. The services are imported here, when a
 * command runs: registering the commands (and `--help`) does not load them.
 */
export async function servicesFromRuntime(runtime: CliRuntime, options: { migrate?: boolean } = {}): Promise<BackupServices> {
  const [{ runMigrations }, { systemClock }, { createBackupServices }] = await Promise.all([
    import('../../../src/db/migrations/runner'),
    import('../../../src/host/clock'),
    import('../services'),
  ]);
  const pool = runtime.pool();
  if (options.migrate !== false) await runMigrations(pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
  return createBackupServices({
    config: runtime.config(),
    pool,
    storage: await runtime.storage(),
    masterEncryptionKey: await runtime.masterEncryptionKey(),
    logger: runtime.logger(),
    clock: systemClock,
  });
}

/** `--json` output: one JSON document on stdout. */
export function writeJson(runtime: CliRuntime, value: unknown): void {
  runtime.stdout.write(`${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
}
