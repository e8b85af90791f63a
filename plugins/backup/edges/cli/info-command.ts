import type { Command } from 'commander';
import type { CliRuntime } from '../../../../src/cli/runtime';
import { writeJson } from './services-from-runtime';

/** `cotton-backup info [--json]`: every backup, where it is held, what keeps it, and the command that restores it. */
export function registerInfoCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('info')
    .description('every backup: size, duration, where it is held (primary, copy targets), the retention rule keeping it, when verified and drilled, and the command that restores it')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const [{ readBackupInfo }, { formatInfo }] = await Promise.all([import('../../checks/backup-info'), import('../../checks/format-info')]);
      const backups = await readBackupInfo(runtime.pool(), await runtime.storage());
      if (opts.json) return writeJson(runtime, { backups });
      runtime.stdout.write(formatInfo(backups));
    });
}
