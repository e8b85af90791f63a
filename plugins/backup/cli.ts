import type { Command } from 'commander';
import type { CliRuntime } from '../../src/cli/runtime';
import { registerBackupCommands } from './cli/backup-commands';
import { registerVerifyCommand } from './cli/verify-command';
import { registerCheckpointCommand } from './cli/checkpoint-command';
import { registerRestoreCommand } from './cli/restore-command';
import { registerForgetCommand } from './cli/forget-command';
import { registerCopiesCommand } from './cli/copies-command';
import { registerPruneCommand } from './cli/prune-command';
import { registerAdoptStorageCommand } from './cli/adopt-storage-command';
import { backupSettingsOwner } from './settings';

/** Validated by the CLI with the host's variables, before any command reads the configuration. */
export const settings = backupSettingsOwner;
import { registerDrillCommand } from './drills/drill-command';

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
