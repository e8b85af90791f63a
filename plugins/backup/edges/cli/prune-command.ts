import type { Command } from 'commander';
import { CliError } from '../../../../src/cli/errors';
import type { CliRuntime } from '../../../../src/cli/runtime';
import type { PruneReport } from '../../copies/prune-target';
import { servicesFromRuntime, writeJson } from './services-from-runtime';

/** `cotton-backup prune --target <name> [--dry-run] [--json]`: retention and mark-and-sweep in a copy target. */
export function registerPruneCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('prune')
    .description("apply the retention policy in a copy target and delete what no kept backup needs (Cotton's GC never sees a target); objects unmarked for less than COTTON_BACKUP_COPY_PRUNE_GRACE wait")
    .requiredOption('--target <name>', 'the copy target (its name or URL in COTTON_BACKUP_COPIES)')
    .option('--dry-run', 'only show the plan; change nothing')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { target: string; dryRun?: boolean; json?: boolean }) => {
      const [services, { findTarget }, { pruneTarget }] = await Promise.all([
        servicesFromRuntime(runtime),
        import('../../copies/open-target'),
        import('../../copies/prune-target'),
      ]);
      const settings = services.copies.settings;
      const target = findTarget(settings, opts.target);
      if (!target) throw new CliError(`no copy target "${opts.target}": COTTON_BACKUP_COPIES names ${settings.targets.map((t) => t.name).join(', ') || 'none'}`);
      const report = await pruneTarget({ ...services.copies, policy: services.retention.policy, timeZone: services.retention.timeZone }, target, { dryRun: opts.dryRun === true });
      if (opts.json) writeJson(runtime, report);
      else runtime.stdout.write(formatPruneReport(report));
      if (report.unreadable.length > 0) throw new CliError(`nothing deleted: kept backup(s) ${report.unreadable.join(', ')} have an unreadable manifest in ${report.target}`);
    });
}

export function formatPruneReport(r: PruneReport): string {
  const lines = [`${r.dryRun ? 'dry run: ' : ''}copy target ${r.target}, policy ${r.policy}`];
  for (const d of r.decisions) lines.push(`${(d.keep ? 'keep' : r.dryRun ? 'expire' : 'expired').padEnd(7)}  ${d.backupId}  ${d.createdAtUtc}  ${d.keep ? d.rules.join(', ') : 'no rule keeps it'}`);
  if (r.dryRun) lines.push(`would delete ${r.deletable.length} objects unmarked longer than the grace period; ${r.waiting.length} unmarked objects would wait`);
  else lines.push(`deleted ${r.deletedObjects} objects (${r.bytesFreed} bytes freed); ${r.waiting.length} unmarked objects wait for the grace period`);
  if (r.keptForCotton > 0) lines.push(`kept ${r.keptForCotton} of them: Cotton's chunks table has a row for each (deleted once it has none)`);
  return `${lines.join('\n')}\n`;
}
