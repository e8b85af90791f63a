import type { Command } from 'commander';
import type { CliRuntime } from '../../../../src/cli/runtime';
import { mib, positiveInt } from './cli-formats';
import { servicesFromRuntime, writeJson } from './services-from-runtime';
import { LIST_BACKUPS, LIST_NUMERIC_COLUMNS } from './sql';

/** `cotton-backup list [--limit <n>] [--json]`: the backup history with what retention decided. */
export function registerListCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('list')
    .description('the backup history, newest first')
    .option('--limit <n>', 'how many', positiveInt('--limit'), 20)
    .option('--json', 'print JSON')
    .action(async (opts: { limit: number; json?: boolean }) => {
      const services = await servicesFromRuntime(runtime);
      const { rows } = await services.backup.pool.query(LIST_BACKUPS, [opts.limit]);
      if (opts.json) return writeJson(runtime, rows, { numeric: LIST_NUMERIC_COLUMNS });
      for (const r of rows) {
        runtime.stdout.write(
          `${r.backup_id}  ${r.status.padEnd(9)}  ${new Date(r.started_at).toISOString()}  ` +
            (r.status === 'failed'
              ? `${r.failed_step}: ${r.failure_message}`
              : `${mib(Number(r.dump_bytes ?? 0))}, ${r.new_chunks ?? '?'} new / ${r.reused_chunks ?? '?'} reused chunks`) +
            retentionNote(r) +
            '\n',
        );
      }
      if (rows.length === 0) runtime.stdout.write('no backups yet\n');
    });
}

// What retention decided, e.g. "  [kept: last, daily]" or "  [expired 2026-11-28]"; Cotton's own backups are marked.
function retentionNote(r: { origin: string; retention: string | null; retention_rules: string[]; expired_at: Date | null }): string {
  const origin = r.origin === 'foreign' ? "  (Cotton's own)" : '';
  if (r.retention === 'kept') return `${origin}  [kept: ${r.retention_rules.join(', ')}]`;
  if (r.retention === 'expired') return `${origin}  [expired ${new Date(r.expired_at!).toISOString().slice(0, 10)}]`;
  return origin;
}
