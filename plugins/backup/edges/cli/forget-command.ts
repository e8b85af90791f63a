import type { Command } from 'commander';
import type { CliRuntime } from '../../../../src/cli/runtime';
import { ForgetRefusedError } from '../../core/errors';
import type { RetentionReport } from '../../retention/apply-retention';
import type { BackupServices } from '../../runtime/services';
import { mib } from './cli-formats';
import { addKeepOptions, keepPolicyOf, type KeepOptions } from './keep-options';
import { BACKUP_ID_HELP, backupIdArgument } from './resolve-backup-id';
import { servicesFromRuntime, writeJson } from './services-from-runtime';
import { FORGET_STATES } from './sql';

type ForgetOptions = KeepOptions & { dryRun?: boolean; json?: boolean };

/**
 * `cotton-backup forget [<id>...] [--keep-* …] [--dry-run] [--json]`: applies the retention policy
 * now (the configured one, or the one the flags give), expiring the backups named as well, and
 * says why each backup stays or goes and what the expiries free.
 */
export function registerForgetCommand(program: Command, runtime: CliRuntime): void {
  const command = program
    .command('forget')
    .argument('[ids...]', `backups to expire whatever the policy says: ${BACKUP_ID_HELP}`, (value: string, previous: string[] = []) => [...previous, backupIdArgument('forget <id>')(value)])
    .description(
      "apply the retention policy (COTTON_BACKUP_KEEP_*, or the --keep-* flags) now, and expire the backups named: record what is kept and why, pin kept backups against Cotton's GC, " +
        'release what expired, and say the bytes that frees. The latest backup and one being read are never forgotten',
    )
    .option('--dry-run', 'only show what would be kept or expired and what it would free; change nothing')
    .option('--json', 'print the report as JSON');
  addKeepOptions(command).action(async (given: string[] | undefined, opts: ForgetOptions) => {
    const [services, { applyRetention }, { resolveCataloguedBackup }] = await Promise.all([
      servicesFromRuntime(runtime),
      import('../../retention/apply-retention'),
      import('./resolve-catalogued-backup'),
    ]);
    const ids: string[] = [];
    for (const g of given ?? []) ids.push(await resolveCataloguedBackup(services.backup.pool, g, 'forget'));
    const alreadyExpired = await refuseWhatCannotBeForgotten(services, ids);
    const ctx = { ...services.retention, policy: keepPolicyOf(opts) ?? services.retention.policy };
    const options = { forget: ids, measureFreed: true };
    // Planned first, changing nothing: a named backup the plan must keep is refused before any record.
    const plan = await applyRetention(ctx, { ...options, dryRun: true });
    refuseKept(plan, ids);
    const report = opts.dryRun ? plan : await applyRetention(ctx, options);
    if (opts.json) writeJson(runtime, { ...report, forgotten: ids, alreadyExpired });
    else runtime.stdout.write(formatForgetReport(report, { policyFromFlags: ctx.policy !== services.retention.policy, alreadyExpired }));
    // Between the plan and the run a reader may have leased it: said after the report, which shows it kept.
    if (!opts.dryRun) refuseKept(report, ids);
  });
}

/** A failed backup stored nothing to forget; an expired one is noted, not refused (forget is idempotent). */
async function refuseWhatCannotBeForgotten(services: BackupServices, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { rows } = await services.backup.pool.query<{ backup_id: string; status: string; retention: string | null }>(FORGET_STATES, [ids]);
  for (const r of rows) {
    if (r.status !== 'succeeded') throw new ForgetRefusedError(`forget refused: backup ${r.backup_id} is ${r.status}, it stored no backup to forget; nothing was changed`);
  }
  return rows.filter((r) => r.retention === 'expired').map((r) => r.backup_id);
}

function refuseKept(report: RetentionReport, ids: readonly string[]): void {
  for (const d of report.decisions.filter((x) => ids.includes(x.backupId) && x.keep)) {
    const why = d.rules.includes('latest')
      ? 'it is the latest backup, the one the pointer names (a restore without --backup and a startup restore use it); take a newer backup first, then forget this one'
      : 'it is being read right now (a restore or a verification holds it); try again when that has finished';
    throw new ForgetRefusedError(`forget refused: backup ${d.backupId} is kept: ${why}. ${report.dryRun ? 'Nothing was changed' : 'The other decisions above were applied'}`);
  }
}

export function formatForgetReport(r: RetentionReport, extra: { policyFromFlags?: boolean; alreadyExpired?: readonly string[] } = {}): string {
  const lines = [`${r.dryRun ? 'dry run: ' : ''}policy ${r.policy}${extra.policyFromFlags ? ' (from the command line)' : ''} (time zone ${r.timeZone})`];
  for (const id of r.noticed) lines.push(`${r.dryRun ? 'would catalogue' : 'catalogued'} backup ${id}, written by Cotton's own job`);
  for (const id of extra.alreadyExpired ?? []) lines.push(`backup ${id} had expired already: nothing to do for it`);
  for (const d of r.decisions) {
    const verb = (d.keep ? 'keep' : r.dryRun ? 'expire' : 'expired').padEnd(7);
    const origin = d.origin === 'foreign' ? ' (Cotton)' : '';
    lines.push(`${verb}  ${d.backupId}  ${d.createdAtUtc}${origin}  ${d.keep ? d.rules.join(', ') : 'no rule keeps it'}`);
  }
  if (r.decisions.length === 0) lines.push('no backups yet');
  const kept = r.decisions.filter((d) => d.keep).length;
  lines.push(`${kept} kept, ${r.decisions.length - kept} ${r.dryRun ? 'would expire' : 'expired'}`);
  if (r.freed) lines.push(freedLine(r));
  const p = r.protection;
  if (p && !p.chunksTable) lines.push("protection: no Cotton chunks table in this database, nothing to protect from Cotton's GC");
  else if (p) {
    lines.push(`protection: ${p.keptObjects} objects of kept backups pinned in Cotton's chunks table (${p.pinnedRows} rows written)`);
    for (const x of p.released) lines.push(`released ${x.releasedObjects} objects of ${x.backupId} to Cotton's GC (${x.sharedObjects} still used by kept backups)`);
    for (const u of p.unreadable) lines.push(`UNPROTECTED: kept backup ${u.backupId}: manifest ${u.manifestKey} unreadable (${u.message}); nothing released`);
  }
  return `${lines.join('\n')}\n`;
}

function freedLine(r: RetentionReport): string {
  const f = r.freed!;
  if (f.unreadableKept.length > 0) return `frees nothing: the manifest of kept backup(s) ${f.unreadableKept.join(', ')} is unreadable, so no object is released`;
  return `${r.dryRun ? 'would free' : 'frees'} ${f.bytes} bytes (${mib(f.bytes)}, ${f.objects} objects no kept backup references), deleted by Cotton's GC once released`;
}
