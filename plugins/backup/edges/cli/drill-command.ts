import type { Command } from 'commander';
import { CliError } from '../../../../src/cli/errors';
import type { CliRuntime } from '../../../../src/cli/runtime';
import type { DrillReport } from '../../drills/run-drill';
import { EXIT_CODES } from '../../../../src/contract/exit-codes';
import { servicesFromRuntime, writeJson } from './services-from-runtime';
import { BACKUP_ID_HELP, backupIdArgument } from './resolve-backup-id';

/** Exit code of `drill` when the restored database differs from the source at dump time. */
export const DRILL_FAILED_EXIT = EXIT_CODES.DRILL_FAILED.exitCode;

/** `cotton-backup drill [--backup <id>] [--json]`: restore into a scratch database and compare it with the dump-time counts. */
export function registerDrillCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('drill')
    .description(
      'restore a backup into a scratch database <db>_drill_<id> on the same server, compare every table with the row counts ' +
        'recorded at dump time, the extensions and Cotton\'s migrations, then drop it; exits 6 on any difference',
    )
    .option('--backup <id>', `${BACKUP_ID_HELP}; default the latest`, backupIdArgument())
    .option('--json', 'print the report as JSON')
    .action(async (opts: { backup?: string; json?: boolean }) => {
      const [services, { drillContext }, { runDrill }, { resolveStoredBackup }] = await Promise.all([
        servicesFromRuntime(runtime),
        import('../../runtime/drill-context'),
        import('../../drills/run-drill'),
        import('./resolve-stored-backup'),
      ]);
      const backupId = opts.backup === undefined ? undefined : await resolveStoredBackup(services.backup.storage, services.backup.masterEncryptionKey, opts.backup, 'drill');
      // A drill already running is DRILL_ALREADY_RUNNING: exit 3, as for the other busy errors.
      const report = await runDrill(drillContext(services), { backupId, trigger: 'cli' });
      if (opts.json) writeJson(runtime, report);
      else runtime.stdout.write(formatDrillReport(report));
      if (!report.passed) throw new CliError(`restore drill failed: ${report.problems.length} difference(s)`, DRILL_FAILED_EXIT);
    });
}

/** The per-table report: every table with the rows recorded at dump time and the rows restored. */
export function formatDrillReport(report: DrillReport): string {
  const lines = [`drill ${report.drillId} of backup ${report.backupId} into ${report.scratchDatabase} (dropped): ${report.passed ? 'PASSED' : 'FAILED'}`];
  if (report.sweptLeftovers.length > 0) lines.push(`  dropped leftovers of crashed drills: ${report.sweptLeftovers.join(', ')}`);
  if (report.tables.length > 0) {
    const width = Math.max(5, ...report.tables.map((t) => t.table.length));
    lines.push(`  ${'table'.padEnd(width)}  ${'dumped'.padStart(12)}  ${'restored'.padStart(12)}`);
    for (const t of report.tables) {
      lines.push(`  ${t.table.padEnd(width)}  ${String(t.expected ?? '-').padStart(12)}  ${String(t.actual ?? '-').padStart(12)}  ${t.ok ? 'ok' : 'DIFFERS'}`);
    }
  }
  for (const p of report.problems.filter((p) => p.problem !== 'row_count')) {
    lines.push(`  ${p.problem}: ${p.subject}${p.expected !== null || p.actual !== null ? ` (expected ${p.expected ?? '-'}, found ${p.actual ?? '-'})` : ''}`);
  }
  lines.push(`  restore ${(report.restoreMs / 1000).toFixed(1)} s, drill ${(report.durationMs / 1000).toFixed(1)} s`);
  return `${lines.join('\n')}\n`;
}
