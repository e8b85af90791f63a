import type { Command } from 'commander';
import type { CliRuntime } from '../../src/cli/runtime';
import { registerBackupCommand } from './edges/cli/backup-command';
import { registerListCommand } from './edges/cli/list-command';
import { registerLatestCommand } from './edges/cli/latest-command';
import { registerAuditCommand } from './edges/cli/audit-command';
import { registerEventsCommand } from './edges/cli/events-command';
import { registerProjectionsCommand } from './edges/cli/projections-command';
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
import { registerCheckCommand } from './edges/cli/check-command';
import { registerInfoCommand } from './edges/cli/info-command';

/** The backup plugin's commands, one file each under edges/cli/; `--help` lists them in this order. */
export function registerCommands(program: Command, runtime: CliRuntime): void {
  registerBackupCommand(program, runtime);
  registerListCommand(program, runtime);
  registerLatestCommand(program, runtime);
  registerAuditCommand(program, runtime);
  registerEventsCommand(program, runtime);
  registerProjectionsCommand(program, runtime);
  registerVerifyCommand(program, runtime);
  registerCheckpointCommand(program, runtime);
  registerRestoreCommand(program, runtime);
  registerForgetCommand(program, runtime);
  registerCopiesCommand(program, runtime);
  registerPruneCommand(program, runtime);
  registerDrillCommand(program, runtime);
  registerAdoptStorageCommand(program, runtime);
  registerCheckCommand(program, runtime);
  registerInfoCommand(program, runtime);
}
