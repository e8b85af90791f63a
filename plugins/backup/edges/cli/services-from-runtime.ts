import { writeJsonDocument } from '../../../../src/cli/output';
import type { CliRuntime } from '../../../../src/cli/runtime';
import type { ObjectStorage } from '../../../../src/storage/object-storage';
import type { BackupServices } from '../../runtime/services';

/**
 * The plugin's services for a CLI command, over the same configuration as the host. The storage
 * is opened first (its root must exist, the master key is proven against it), so a refused key
 * or path leaves the database untouched; then the plugin's schema is brought up to date
 * (idempotent, under the runner's lock), so a command works on a database no host has started on
 * yet, and the storage is checked to be the one the database records (bindStorage). A restore
 * (`migrate: false`) checks no record: its target may be a bare database. The services are
 * imported here, when a command runs: registering the commands (and `--help`) does not load them.
 */
export async function servicesFromRuntime(
  runtime: CliRuntime,
  options: { migrate?: boolean; write?: boolean; storage?: ObjectStorage } = {},
): Promise<BackupServices> {
  const [{ migrateBackupSchema }, { systemClock }, { createBackupServices }, { bindStorage }] = await Promise.all([
    import('../../core/migrate-backup-schema'),
    import('../../../../src/contract/clock'),
    import('../../runtime/services'),
    import('../../storage-identity/bind-storage'),
  ]);
  const storage = options.storage ?? (await runtime.storage({ write: options.write }));
  const pool = runtime.pool();
  if (options.migrate !== false) {
    await migrateBackupSchema(pool);
    await bindStorage(pool, storage, { create: options.write === true, now: systemClock.now() });
  }
  const services = createBackupServices({
    config: runtime.config(),
    pool,
    storage,
    masterEncryptionKey: await runtime.masterEncryptionKey(),
    logger: runtime.logger(),
    clock: systemClock,
  });
  // A command that notified (a failed verify or drill) waits a bounded time for its webhook.
  runtime.onClose(() => services.stopNotifiers(5000));
  return services;
}

/** `--json` output: one JSON document on stdout, camelCase with real numbers (src/cli/output.ts, docs/cli-json.md). */
export function writeJson(runtime: CliRuntime, value: unknown, options?: Parameters<typeof writeJsonDocument>[2]): void {
  writeJsonDocument(runtime.stdout, value, options);
}
