import type { Command } from 'commander';
import { CliError } from '../../../../src/cli/errors';
import { startProgress } from '../../../../src/cli/progress';
import type { CliRuntime } from '../../../../src/cli/runtime';
import { servicesFromRuntime, writeJson } from './services-from-runtime';
import { exitCodeOf, UnknownBackupError } from '../../core/errors';
import { BACKUP_ID_HELP, backupIdArgument } from './resolve-backup-id';
import { resolveStoredBackup } from './resolve-stored-backup';
import type { VerificationReport } from '../../verify/verify-backup';

/** Exit code of `verify` when the backup has problems (each is listed). */
export const VERIFY_FAILED_EXIT = exitCodeOf('VERIFICATION_FAILED');

/** `cotton-backup verify [--backup <id> | --all] [--json]`: read a backup end to end, report every damaged object. */
export function registerVerifyCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('verify')
    .description('read a backup end to end (every chunk decrypted, sized and hashed) and report every problem by key; exits 5 when any')
    .option('--backup <id>', `${BACKUP_ID_HELP}; default the latest`, backupIdArgument())
    .option('--target <name>', 'read the copy in this copy target (its name or URL in COTTON_BACKUP_COPIES) instead of the primary storage')
    .option('--all', "every kept backup, one after the other (restic's check --read-data): a line each, exit by the worst")
    .option('--json', 'print the report as JSON')
    .option('--no-record', 'do not record Verified/VerificationFailed in the event log')
    .action(async (opts: { backup?: string; target?: string; all?: boolean; json?: boolean; record: boolean }) => {
      if (opts.all && opts.backup !== undefined) throw new CliError('--all and --backup exclude each other: --all verifies every kept backup');
      const [services, { recordVerification }, { verifyBackup }, { whileReading }, { openNamedTarget }, { verifyCopy }, { backupsToVerify }] = await Promise.all([
        servicesFromRuntime(runtime),
        import('../../verify/record-verification'),
        import('../../verify/verify-backup'),
        import('../../retention/reading-lease'),
        import('./open-named-target'),
        import('../../copies/verify-targets'),
        import('./backups-to-verify'),
      ]);
      const { backup } = services;
      const target = opts.target === undefined ? undefined : await openNamedTarget(runtime, services.copies.settings, opts.target);
      const storage = target?.storage ?? backup.storage;
      const verifyOne = async (backupId: string | undefined): Promise<VerificationReport> => {
        const bar = startProgress(runtime.stderr, { label: `verify${backupId ? ` ${backupId.slice(0, 8)}` : ''}: chunks`, json: opts.json, unit: 'objects' });
        const options = { backupId, onChunk: (done: number, total: number) => bar.update(done, total) };
        const report = await whileReading(backup.pool, backupId, () =>
          target ? verifyCopy(backup.pool, target.target.name, storage, backup.masterEncryptionKey, options) : verifyBackup(storage, backup.masterEncryptionKey, { ...options, recordings: backup.pool }),
        ).finally(() => bar.stop());
        if (opts.record) await recordVerification(backup.pool, backup.journal, report, { secrets: backup.secrets, trigger: 'cli', target: target?.target.name, logger: runtime.logger() });
        return report;
      };
      const where = target ? `copy target ${target.target.name}: ` : '';
      if (opts.all) {
        const ids = await backupsToVerify(backup.pool, storage, backup.masterEncryptionKey, target === undefined);
        const reports: VerificationReport[] = [];
        for (const id of ids) {
          const report = await verifyOne(id);
          reports.push(report);
          if (!opts.json) runtime.stdout.write(formatVerificationReport(report, where));
        }
        const failed = reports.filter((r) => r.problems.length > 0);
        if (opts.json) writeJson(runtime, { ok: failed.length === 0, verified: reports.length, failed: failed.length, backups: reports.map((r) => ({ ok: r.problems.length === 0, ...r })) });
        else runtime.stdout.write(`${where}${reports.length} backup(s) verified: ${reports.length - failed.length} OK, ${failed.length} with problems\n`);
        if (failed.length > 0) throw new CliError(`verification failed: ${failed.length} of ${reports.length} backup(s) have problems (${failed.map((r) => r.backupId).join(', ')})`, VERIFY_FAILED_EXIT);
        return;
      }
      const backupId = opts.backup === undefined ? undefined : await resolveStoredBackup(storage, backup.masterEncryptionKey, opts.backup, 'verify');
      const report = await verifyOne(backupId);
      if (opts.json) writeJson(runtime, { ok: report.problems.length === 0, ...report });
      else runtime.stdout.write(formatVerificationReport(report, where));
      // An id neither the pointer nor the index knows is not a damaged backup: exit 4, as in restore and drill.
      const unknown = backupId !== undefined && report.manifestKey === undefined && report.problems.some((p) => p.key === backupId && p.problem === 'missing');
      if (unknown) throw new UnknownBackupError(`verify: ${report.problems[0]!.detail}`);
      if (report.problems.length > 0) throw new CliError(`verification failed: ${report.problems.length} problem(s)`, VERIFY_FAILED_EXIT);
    });
}

/** One backup's verdict: a line, and a line per problem. */
function formatVerificationReport(report: VerificationReport, where: string): string {
  const what = `${where}backup ${report.backupId ?? '(none)'}${report.manifestKey ? ` (manifest ${report.manifestKey})` : ''}`;
  if (report.problems.length === 0) return `${what}: OK, ${report.chunkCount} chunks, ${report.bytes} bytes, sha256 ${report.sha256} in ${report.durationMs} ms\n`;
  return [`${what}: ${report.problems.length} problem(s)`, ...report.problems.map((p) => `  ${p.key}  ${p.problem.padEnd(13)}  ${p.detail}`)].join('\n') + '\n';
}
