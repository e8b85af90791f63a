import type { Command } from 'commander';
import type { CliRuntime } from '../../../../src/cli/runtime';
import type { RestoreCommandOptions } from './run-restore-command';
import { BACKUP_ID_HELP, backupIdArgument } from './resolve-backup-id';

/** `cotton-backup restore [--backup <id>] [--target-database <name>] [--fallback] [--json]` */
export function registerRestoreCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('restore')
    .description('verify a backup completely, then restore it into an empty database (created if it does not exist)')
    .option('--backup <id>', `${BACKUP_ID_HELP}; default the latest, from the pointer`, backupIdArgument())
    .option('--target-database <name>', 'database to restore into; must be empty by Cotton\'s rule (default: COTTON_PG_DATABASE)')
    .option('--fallback', 'when the chosen backup does not verify, walk back to the newest older one that does')
    .option('--from <target>', 'read the backup from this copy target (its name or URL in COTTON_BACKUP_COPIES), then re-seed the primary storage with it')
    .option('--json', 'print the outcome as JSON')
    .action(async (opts: RestoreCommandOptions) => {
      // The restore's code is imported when the command runs, not when it is registered (--help).
      const { runRestoreCommand } = await import('./run-restore-command');
      await runRestoreCommand(runtime, opts);
    });
}
