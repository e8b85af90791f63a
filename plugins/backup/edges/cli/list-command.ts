import type { Command } from 'commander';
import type { CliRuntime } from '../../../../src/cli/runtime';
import { mib, positiveInt } from './cli-formats';
import { servicesFromRuntime, writeJson } from './services-from-runtime';
import { LIST_BACKUPS, LIST_NUMERIC_COLUMNS } from './sql';

interface ListRow {
  backup_id: string;
  status: string;
  started_at: Date;
  duration_ms: string | null;
  dump_bytes: string | null;
  stored_bytes_written: string | null;
  new_chunks: string | null;
  reused_chunks: string | null;
  failed_step: string | null;
  failure_message: string | null;
  origin: string;
  retention: string | null;
  retention_rules: string[];
  expired_at: Date | null;
  verified_at: Date | null;
  drilled_at: Date | null;
  copied_to: string[];
}

/** `cotton-backup list [--limit <n>] [--json]`: the backup history with what retention decided. */
export function registerListCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('list')
    .description('the backup history, newest first: duration, dump and stored size, verified / drilled / copied, what retention decided')
    .option('--limit <n>', 'how many', positiveInt('--limit'), 20)
    .option('--json', 'print JSON')
    .action(async (opts: { limit: number; json?: boolean }) => {
      const services = await servicesFromRuntime(runtime);
      const { rows } = await services.backup.pool.query<ListRow>(LIST_BACKUPS, [opts.limit]);
      if (opts.json) return writeJson(runtime, rows, { numeric: LIST_NUMERIC_COLUMNS });
      runtime.stdout.write(formatList(rows));
    });
}

const HEADER = ['ID', 'STATUS', 'STARTED (UTC)', 'DURATION', 'DUMP', 'STORED', 'V D C', 'CHUNKS NEW/REUSED, RETENTION'];
const seconds = (ms: string | null) => (ms === null ? '?' : `${(Number(ms) / 1000).toFixed(1)} s`);
const size = (bytes: string | null) => (bytes === null ? '?' : mib(Number(bytes)));

/** A header, one line per backup, and what the V D C marks mean. */
export function formatList(rows: readonly ListRow[]): string {
  if (rows.length === 0) return 'no backups yet\n';
  const table = rows.map((r) => [
    r.backup_id,
    r.status,
    new Date(r.started_at).toISOString().slice(0, 19).replace('T', ' '),
    seconds(r.duration_ms),
    size(r.dump_bytes),
    size(r.stored_bytes_written),
    marks(r),
    r.status === 'failed'
      ? `${r.failed_step}: ${r.failure_message}`
      : `${r.new_chunks ?? '?'}/${r.reused_chunks ?? '?'}${retentionNote(r)}`,
  ]);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const legend = 'V verified, D restore-drilled, C copied to a copy target (- not yet); STORED is what the backup wrote to storage';
  return `${[line(HEADER), ...table.map(line), legend].join('\n')}\n`;
}

function marks(r: ListRow): string {
  return [r.verified_at ? 'V' : '-', r.drilled_at ? 'D' : '-', r.copied_to.length > 0 ? 'C' : '-'].join(' ');
}

// What retention decided, e.g. "  [kept: last, daily]" or "  [expired 2026-11-28]"; Cotton's own backups are marked.
function retentionNote(r: Pick<ListRow, 'origin' | 'retention' | 'retention_rules' | 'expired_at'>): string {
  const origin = r.origin === 'foreign' ? "  (Cotton's own)" : '';
  if (r.retention === 'kept') return `${origin}  [kept: ${r.retention_rules.join(', ')}]`;
  if (r.retention === 'expired') return `${origin}  [expired ${new Date(r.expired_at!).toISOString().slice(0, 10)}]`;
  return origin;
}
