import type { CliRuntime } from '../../../../src/cli/runtime';
import type { CheckEnvironment } from '../../checks/check-line';
import { backupSettingsOf } from '../../settings/backup-settings';

/** What the checks read, from the CLI's runtime: nothing is migrated, bound or probed before the checks ask. */
export function checkEnvironmentOf(runtime: CliRuntime): CheckEnvironment {
  return {
    config: () => runtime.config(),
    settings: () => backupSettingsOf(runtime.config()),
    pool: () => runtime.pool(),
    storage: () => runtime.storage(),
    masterEncryptionKey: () => runtime.masterEncryptionKey(),
    now: () => new Date(),
  };
}
