import type { Command } from 'commander';
import type { CliRuntime } from '../../../../src/cli/runtime';
import { writeJson } from './services-from-runtime';

/**
 * `cotton-backup adopt-storage [--json]`: the storage now configured becomes the one this
 * database's backups are in (its identity record written if it has none), the old id kept in
 * the record. The one way past a storage refused as another than the recorded one: an
 * operator's decision (a storage moved or replaced on purpose), never taken by itself.
 */
export function registerAdoptStorageCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('adopt-storage')
    .description('make the configured storage (COTTON_STORAGE_PATH or the S3 bucket) the one this database records, after a deliberate move or replacement')
    .option('--json', 'print the outcome as JSON')
    .action(async (opts: { json?: boolean }) => {
      const [{ adoptStorage }, { systemClock }, { migrateBackupSchema }] = await Promise.all([
        import('../../storage-identity/bind-storage'),
        import('../../../../src/contract/clock'),
        import('../../core/migrate-backup-schema'),
      ]);
      // Opened (key proven) and migrated without the binding check: that check is what this overrides.
      const storage = await runtime.storage({ write: true });
      await migrateBackupSchema(runtime.pool());
      const adopted = await adoptStorage(runtime.pool(), storage, systemClock.now());
      if (!adopted) throw new Error('this storage keeps no identity record');
      if (opts.json) return writeJson(runtime, { storageId: adopted.identity.storageId, where: storage.identity?.where, replaced: adopted.replaced ?? null });
      runtime.stdout.write(
        `storage ${storage.identity?.where} (identity ${adopted.identity.storageId}) is now this database's storage` +
          (adopted.replaced ? `; it replaces storage ${adopted.replaced}` : '') +
          '\n',
      );
    });
}
