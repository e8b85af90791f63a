import type { Command } from 'commander';
import type { CliRuntime } from '../../../../src/cli/runtime';
import { BACKUP_ID_HELP, backupIdArgument } from './resolve-backup-id';
import { writeJson } from './services-from-runtime';

/** `cotton-backup info [--backup <id>] [--json]`: every backup (or one), where it is held, what keeps it, and the command that restores it. */
export function registerInfoCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('info')
    .description('every backup: size, duration, where it is held (primary, copy targets), the retention rule keeping it, when verified and drilled, and the command that restores it')
    .option('--backup <id>', `only this completed backup: ${BACKUP_ID_HELP}`, backupIdArgument())
    .option('--json', 'print JSON')
    .action(async (opts: { backup?: string; json?: boolean }) => {
      const [{ readBackupInfo }, { formatInfo }, { resolveBackupId }] = await Promise.all([
        import('../../checks/backup-info'),
        import('../../checks/format-info'),
        import('./resolve-backup-id'),
      ]);
      let backups = await readBackupInfo(runtime.pool(), await runtime.storage());
      if (opts.backup !== undefined) {
        // Resolved among what info shows (completed backups), read without migrating anything.
        const known = backups.map((b) => b.backupId);
        const id = resolveBackupId(opts.backup, known, 'info', (given) => `no completed backup ${given} in this database's history (${known.length} recorded)`);
        backups = backups.filter((b) => b.backupId === id);
      }
      if (opts.json) return writeJson(runtime, { backups });
      runtime.stdout.write(formatInfo(backups));
    });
}
