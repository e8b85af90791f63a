import type { DependencyContainer } from 'tsyringe';
import type { CottonPlugin } from '../../../src/contract/plugin';
import { HostTokens } from '../../../src/contract/services';
import { provide, resolve, token } from '../../../src/contract/tokens';
import { createBackupServices, type BackupServices } from './services';
import { BackupTokens } from './tokens';
import { recordRefusedRestore, recordStartupRestore } from '../restore/record-startup-restore';
import { startupRestore } from '../restore/startup-restore';
import { RestoreAbortedError, type RestoreReport } from '../restore/restore-backup';
import { startTriggers, type Triggers } from './start-triggers';
import { migrateBackupSchema } from '../core/migrate-backup-schema';
import { BackupSettingsToken } from '../settings/backup-settings';
import { drillContext } from './drill-context';
import { sweepScratchDatabasesAtStart } from '../drills/sweep-at-start';
import { adoptStorage, bindStorage } from '../storage-identity/bind-storage';

// Hooks keep their state in the plugin's own container, so that several hosts in one process
// (tests) each have theirs.
interface PluginState {
  services: BackupServices;
  restored?: RestoreReport;
  triggers?: Triggers;
}
const State = token<PluginState>('backup.PluginState');

/** The plugin's register(): its services, built from the host's, in its own container. */
export function registerBackup(container: DependencyContainer): void {
  const config = resolve(container, HostTokens.Config);
  const pool = resolve(container, HostTokens.Pool);
  const clock = resolve(container, HostTokens.Clock);
  const services = createBackupServices({
    config,
    settings: resolve(container, BackupSettingsToken),
    pool,
    clock,
    storage: resolve(container, HostTokens.Storage),
    masterEncryptionKey: resolve(container, HostTokens.MasterEncryptionKey),
    logger: resolve(container, HostTokens.Logger),
  });
  provide(container, BackupTokens.Context, services.backup);
  provide(container, State, { services });
}

/** The plugin's lifecycle: restore into an empty database, start every trigger and schedule, stop them. */
export const backupHooks: NonNullable<CottonPlugin['hooks']> = {
  async startupRestore({ container }) {
    const config = resolve(container, HostTokens.Config);
    const logger = resolve(container, HostTokens.Logger);
    const state = resolve(container, State);
    const s = state.services;
    try {
      state.restored = await startupRestore(
        s.restoreContext(),
        { enabled: s.settings.restore.ifEmpty, fallback: s.settings.restore.fallback, logger },
        { settings: s.settings.copies, masterEncryptionKey: s.backup.masterEncryptionKey, clock: s.backup.clock, zstdLevel: config.storage.zstdLevel, logger },
      );
    } catch (error) {
      if (!(error instanceof RestoreAbortedError)) throw error;
      // Our own schema does not make the database non-empty for Cotton: create it to record why.
      await migrateBackupSchema(s.backup.pool, logger);
      throw await recordRefusedRestore(s.backup.pool, s.journal, s.backup.clock, error, s.backup.target.database, { secrets: s.backup.secrets, logger });
    }
  },
  async start({ container }) {
    const state = resolve(container, State);
    const s = state.services;
    if (state.restored) {
      await recordStartupRestore(s.backup.pool, s.journal, s.backup.clock, state.restored, { logger: s.backup.logger });
      state.restored = undefined;
      // The database now holds the record of the storage its backup came from; a restore from a
      // copy re-seeded this primary, so this storage is the one its backups are in from now on.
      await adoptStorage(s.backup.pool, s.backup.storage, s.backup.clock.now());
    }
    // Before any schedule starts: a wrong key or another storage than the recorded one is
    // refused once, naming both, instead of every run failing on a manifest it cannot read.
    await bindStorage(s.backup.pool, s.backup.storage, { create: true, now: s.backup.clock.now() });
    await sweepScratchDatabasesAtStart(drillContext(s));
    state.triggers = await startTriggers(container, s);
  },
  async stop({ container }) {
    const state = resolve(container, State);
    await state.triggers?.stop();
    state.triggers = undefined;
    // After the triggers: a failure they reported on their way out is still delivered, for a bounded time.
    await state.services.stopNotifiers(5000);
  },
};
