import type { Command } from 'commander';
import { CliError } from '../../../../src/cli/errors';
import { startProgress } from '../../../../src/cli/progress';
import type { CliRuntime } from '../../../../src/cli/runtime';
import { servicesFromRuntime, writeJson } from './services-from-runtime';
import { exitCodeOf, UnknownBackupError } from '../../core/errors';
import { BACKUP_ID_HELP, backupIdArgument } from './resolve-backup-id';
import { resolveStoredBackup } from './resolve-stored-backup';

/** Exit code of `verify` when the backup has problems (each is listed). */
export const VERIFY_FAILED_EXIT = exitCodeOf('VERIFICATION_FAILED');

/** `cotton-backup verify [--backup <id>] [--json]`: read a backup end to end, report every damaged object. */
export function registerVerifyCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('verify')
    .description('read a backup end to end (every chunk decrypted, sized and hashed) and report every problem by key; exits 5 when any')
    .option('--backup <id>', `${BACKUP_ID_HELP}; default the latest`, backupIdArgument())
    .option('--target <name>', 'read the copy in this copy target (its name or URL in COTTON_BACKUP_COPIES) instead of the primary storage')
    .option('--json', 'print the report as JSON')
    .option('--no-record', 'do not record Verified/VerificationFailed in the event log')
    .action(async (opts: { backup?: string; target?: string; json?: boolean; record: boolean }) => {
      const [services, { recordVerification }, { verifyBackup }, { whileReading }, { openNamedTarget }, { verifyCopy }] = await Promise.all([
        servicesFromRuntime(runtime),
        import('../../verify/record-verification'),
        import('../../verify/verify-backup'),
        import('../../retention/reading-lease'),
        import('./open-named-target'),
        import('../../copies/verify-targets'),
      ]);
      const { backup } = services;
      const target = opts.target === undefined ? undefined : await openNamedTarget(runtime, services.copies.settings, opts.target);
      const storage = target?.storage ?? backup.storage;
      const backupId = opts.backup === undefined ? undefined : await resolveStoredBackup(storage, backup.masterEncryptionKey, opts.backup, 'verify');
      const bar = startProgress(runtime.stderr, { label: 'verify: chunks', json: opts.json, unit: 'objects' });
      const options = { backupId, onChunk: (done: number, total: number) => bar.update(done, total) };
      const report = await whileReading(backup.pool, backupId, () =>
        target ? verifyCopy(backup.pool, target.target.name, storage, backup.masterEncryptionKey, options) : verifyBackup(storage, backup.masterEncryptionKey, { ...options, recordings: backup.pool }),
      ).finally(() => bar.stop());
      if (opts.record) await recordVerification(backup.pool, backup.journal, report, { secrets: backup.secrets, trigger: 'cli', target: target?.target.name, logger: runtime.logger() });
      if (opts.json) writeJson(runtime, { ok: report.problems.length === 0, ...report });
      else {
        const what = `${target ? `copy target ${target.target.name}: ` : ''}backup ${report.backupId ?? '(none)'}${report.manifestKey ? ` (manifest ${report.manifestKey})` : ''}`;
        if (report.problems.length === 0) {
          runtime.stdout.write(`${what}: OK, ${report.chunkCount} chunks, ${report.bytes} bytes, sha256 ${report.sha256} in ${report.durationMs} ms\n`);
        } else {
          runtime.stdout.write(`${what}: ${report.problems.length} problem(s)\n`);
          for (const p of report.problems) runtime.stdout.write(`  ${p.key}  ${p.problem.padEnd(13)}  ${p.detail}\n`);
        }
      }
      // An id neither the pointer nor the index knows is not a damaged backup: exit 4, as in restore and drill.
      const unknown = backupId !== undefined && report.manifestKey === undefined && report.problems.some((p) => p.key === backupId && p.problem === 'missing');
      if (unknown) throw new UnknownBackupError(`verify: ${report.problems[0]!.detail}`);
      if (report.problems.length > 0) throw new CliError(`verification failed: ${report.problems.length} problem(s)`, VERIFY_FAILED_EXIT);
    });
}
