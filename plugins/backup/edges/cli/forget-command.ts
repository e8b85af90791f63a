import type { Command } from 'commander';
import type { CliRuntime } from '../../../../src/cli/runtime';
import type { RetentionReport } from '../../retention/apply-retention';
import { servicesFromRuntime, writeJson } from './services-from-runtime';

/** `cotton-backup forget [--dry-run] [--json]`: applies the retention policy now and says why each backup stays or goes. */
export function registerForgetCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('forget')
    .description("apply the retention policy (COTTON_BACKUP_KEEP_*) now: record what is kept and why, pin kept backups against Cotton's GC, release what expired")
    .option('--dry-run', 'only show what would be kept or expired; change nothing')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
      const [services, { applyRetention }] = await Promise.all([servicesFromRuntime(runtime), import('../../retention/apply-retention')]);
      const report = await applyRetention(services.retention, { dryRun: opts.dryRun === true });
      if (opts.json) return writeJson(runtime, report);
      runtime.stdout.write(formatForgetReport(report));
    });
}

export function formatForgetReport(r: RetentionReport): string {
  const lines = [`${r.dryRun ? 'dry run: ' : ''}policy ${r.policy} (time zone ${r.timeZone})`];
  for (const id of r.noticed) lines.push(`${r.dryRun ? 'would catalogue' : 'catalogued'} backup ${id}, written by Cotton's own job`);
  for (const d of r.decisions) {
    const verb = (d.keep ? 'keep' : r.dryRun ? 'expire' : 'expired').padEnd(7);
    const origin = d.origin === 'foreign' ? ' (Cotton)' : '';
    lines.push(`${verb}  ${d.backupId}  ${d.createdAtUtc}${origin}  ${d.keep ? d.rules.join(', ') : 'no rule keeps it'}`);
  }
  if (r.decisions.length === 0) lines.push('no backups yet');
  const kept = r.decisions.filter((d) => d.keep).length;
  lines.push(`${kept} kept, ${r.decisions.length - kept} ${r.dryRun ? 'would expire' : 'expired'}`);
  const p = r.protection;
  if (p && !p.chunksTable) lines.push("protection: no Cotton chunks table in this database, nothing to protect from Cotton's GC");
  else if (p) {
    lines.push(`protection: ${p.keptObjects} objects of kept backups pinned in Cotton's chunks table (${p.pinnedRows} rows written)`);
    for (const x of p.released) lines.push(`released ${x.releasedObjects} objects of ${x.backupId} to Cotton's GC (${x.sharedObjects} still used by kept backups)`);
    for (const u of p.unreadable) lines.push(`UNPROTECTED: kept backup ${u.backupId}: manifest ${u.manifestKey} unreadable (${u.message}); nothing released`);
  }
  return `${lines.join('\n')}\n`;
}
