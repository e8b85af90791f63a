import type { Command } from 'commander';
import type { CliRuntime } from '../../../../src/cli/runtime';
import { CliError } from '../../../../src/cli/errors';
import { exitCodeOf } from '../../core/errors';
import { positiveInt } from './cli-formats';
import { formatAuditLine, terminalSafeJson } from './format-audit-line';
import { servicesFromRuntime } from './services-from-runtime';

/** `cotton-backup audit [--backup <id>] [--limit <n>] [--json]` */
export function registerAuditCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('audit')
    .description("the event trail: one backup's (with the requests it served), or the newest events")
    .option('--backup <id>', 'backup id (32 hex characters)')
    .option('--limit <n>', 'newest events to show without --backup', positiveInt('--limit'), 100)
    .option('--json', 'print JSON')
    .action(async (opts: { backup?: string; limit: number; json?: boolean }) => {
      if (opts.backup !== undefined && !/^[0-9a-f]{32}$/.test(opts.backup)) {
        throw new CliError(`--backup must be a backup id of 32 lowercase hex characters, got "${opts.backup}"`);
      }
      const services = await servicesFromRuntime(runtime);
      const { backupAudit, recentAudit } = await import('../../events/read-audit');
      const entries = opts.backup ? await backupAudit(services.backup.pool, opts.backup) : await recentAudit(services.backup.pool, opts.limit);
      if (opts.backup && entries.length === 0) throw new CliError(`no events for backup ${opts.backup}`, exitCodeOf('NO_BACKUP_YET'));
      // Events hold text any NOTIFY sender chose: never let it drive the terminal.
      if (opts.json) return void runtime.stdout.write(terminalSafeJson(entries));
      for (const e of entries) runtime.stdout.write(formatAuditLine(e));
    });
}
