import type { Command } from 'commander';
import type { CliRuntime } from '../../../../src/cli/runtime';
import { servicesFromRuntime, writeJson } from './services-from-runtime';

/** `cotton-backup projections rebuild` */
export function registerProjectionsCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('projections')
    .description('read models of the event log')
    .command('rebuild')
    .description('throw away latest_backup, backup_history and admin_notifications and replay every event into them')
    .option('--json', 'print {"replayed": n} as JSON')
    .action(async (opts: { json?: boolean }) => {
      const services = await servicesFromRuntime(runtime);
      const { rebuildProjections } = await import('../../projections/rebuild-projections');
      const replayed = await rebuildProjections(services.backup.pool);
      if (opts.json) writeJson(runtime, { replayed });
      else runtime.stdout.write(`replayed ${replayed} events\n`);
    });
}
