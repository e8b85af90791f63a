import type { CottonPlugin } from '../../src/contract/plugin';
import { backupSettingsOwner } from './settings/backup-settings';
import { MIGRATIONS_PATH } from './core/migrations-path';
import { backupHooks, registerBackup } from './runtime/hooks';

export { MIGRATIONS_PATH };

/** The backup plugin: pg_dump → Cotton storage, event-sourced, restored by itself into an empty database. */
export function createBackupPlugin(): CottonPlugin {
  return {
    name: backupSettingsOwner.name,
    version: '0.1.0',
    migrationsPath: MIGRATIONS_PATH,
    settings: backupSettingsOwner.settings,
    register: registerBackup,
    hooks: backupHooks,
  };
}

export default createBackupPlugin();
