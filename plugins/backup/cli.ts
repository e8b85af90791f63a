import type { Command } from 'commander';
import type { CliRuntime } from '../../src/cli/runtime';
import { registerBackupCommands } from './edges/cli/backup-commands';
import { registerVerifyCommand } from './edges/cli/verify-command';
import { registerCheckpointCommand } from './edges/cli/checkpoint-command';
import { registerRestoreCommand } from './edges/cli/restore-command';
import { registerForgetCommand } from './edges/cli/forget-command';
import { registerCopiesCommand } from './edges/cli/copies-command';
import { registerPruneCommand } from './edges/cli/prune-command';
import { registerAdoptStorageCommand } from './edges/cli/adopt-storage-command';
import { backupSettingsOwner } from './settings/backup-settings';

/** Validated by the CLI with the host's variables, before any command reads the configuration. */
export const settings = backupSettingsOwner;
import { registerDrillCommand } from './edges/cli/drill-command';

/** The backup plugin's commands; each group lives in its own file under cli/. */
export function registerCommands(program: Command, runtime: CliRuntime): void {
  registerBackupCommands(program, runtime);
  registerVerifyCommand(program, runtime);
  registerCheckpointCommand(program, runtime);
  registerRestoreCommand(program, runtime);
  registerForgetCommand(program, runtime);
  registerCopiesCommand(program, runtime);
  registerPruneCommand(program, runtime);
  registerDrillCommand(program, runtime);
  registerAdoptStorageCommand(program, runtime);
}
