import type { Command } from 'commander';
import type { CliRuntime } from '../../../../src/cli/runtime';
import { CliError } from '../../../../src/cli/errors';
import { exitCodeOf } from '../../core/errors';
import { positiveInt } from './cli-formats';
import { formatAuditLine, terminalSafeJson } from './format-audit-line';
import { servicesFromRuntime } from './services-from-runtime';
import { BACKUP_ID_HELP, backupIdArgument } from './resolve-backup-id';
import { resolveCataloguedBackup } from './resolve-catalogued-backup';

/** `cotton-backup audit [--backup <id>] [--limit <n>] [--json]` */
export function registerAuditCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('audit')
    .description("the event trail: one backup's (with the requests it served), or the newest events")
    .option('--backup <id>', BACKUP_ID_HELP, backupIdArgument())
    .option('--limit <n>', 'newest events to show without --backup', positiveInt('--limit'), 100)
    .option('--json', 'print JSON')
    .action(async (opts: { backup?: string; limit: number; json?: boolean }) => {
      const services = await servicesFromRuntime(runtime);
      const { backupAudit, recentAudit } = await import('../../events/read-audit');
      const backupId = opts.backup === undefined ? undefined : await resolveCataloguedBackup(services.backup.pool, opts.backup, 'audit');
      const entries = backupId ? await backupAudit(services.backup.pool, backupId) : await recentAudit(services.backup.pool, opts.limit);
      if (backupId && entries.length === 0) throw new CliError(`no events for backup ${backupId}`, exitCodeOf('NO_BACKUP_YET'));
      // Events hold text any NOTIFY sender chose: never let it drive the terminal.
      if (opts.json) return void runtime.stdout.write(terminalSafeJson(entries));
      for (const e of entries) runtime.stdout.write(formatAuditLine(e));
    });
}
