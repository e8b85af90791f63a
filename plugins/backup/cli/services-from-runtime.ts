import type { CliRuntime } from '../../../src/cli/runtime';
import { runMigrations } from '../../../src/db/migrations/runner';
import { systemClock } from '../../../src/host/clock';
import { MIGRATIONS_PATH } from '../migrations-path';
import { createBackupServices, type BackupServices } from '../services';

/**
 * The plugin's services for a CLI command, over the same configuration as the host. The
 * plugin's schema is brought up to date first (idempotent, under the runner's lock), so a
 * command works on a database no host has started on yet.
 */
export async function servicesFromRuntime(runtime: CliRuntime, options: { migrate?: boolean } = {}): Promise<BackupServices> {
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
