import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { CliRuntime } from '../../../../src/cli/runtime';
import { CliError } from '../../../../src/cli/errors';
import { exitCodeOf } from '../../core/errors';
import { formatAuditLine, terminalSafeJson } from './format-audit-line';
import { servicesFromRuntime, writeJson } from './services-from-runtime';
import { LIST_BACKUPS } from './sql';

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

function positiveInt(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new CliError(`${name} must be a whole number from 1 to 100000, got "${value}"`);
    return n;
  };
}

/**
 * backup, list, latest, audit, events verify, projections rebuild. What an action runs is imported
 * when it runs (here and in every command file): registering the commands, and `--help`, load
 * none of it.
 */
export function registerBackupCommands(program: Command, runtime: CliRuntime): void {
  program
    .command('backup')
    .description('run one backup now: pg_dump → chunks → Cotton storage → manifest → pointer')
    .option('--reason <text>', 'why (recorded in BackupRequested)', 'manual backup from the CLI')
    .option('--json', 'print the outcome as JSON')
    .action(async (opts: { reason: string; json?: boolean }) => {
      if (opts.reason.length > 500) throw new CliError('--reason must be at most 500 characters');
      const [services, { default: cliProgress }, { runBackup }, { BackupAlreadyRunningError }] = await Promise.all([
        servicesFromRuntime(runtime, { write: true }),
        import('cli-progress'),
        import('../../take-backup/run-backup'),
        import('../../take-backup/backup-lock'),
      ]);
      // Recorded here and served by this process at once (not through the coordinator, which
      // would start a second, competing run for the same request).
      const requestId = randomUUID();
      await services.journal.append(
        `request-${requestId}`,
        [{ type: 'BackupRequested', data: { requestId, source: 'cli', reason: opts.reason, requestedBy: userInfo().username } }],
        { expectedVersion: 'no_stream' },
      );
      const bar = opts.json ? undefined : new cliProgress.SingleBar(
        { format: 'dumped {dumped} | chunks {fresh} new, {reused} reused', stream: runtime.stderr as NodeJS.WriteStream, noTTYOutput: false },
        cliProgress.Presets.shades_classic,
      );
      bar?.start(0, 0, { dumped: mib(0), fresh: 0, reused: 0 });
      try {
        const outcome = await runBackup(services.backup, {
          requestIds: [requestId],
          onProgress: (p) => bar?.update(0, { dumped: mib(p.dumpedBytes), fresh: p.newChunks, reused: p.reusedChunks }),
        });
        bar?.stop();
        if (opts.json) writeJson(runtime, { requestId, ...outcome });
        else
          runtime.stdout.write(
            `backup ${outcome.backupId}: ${mib(outcome.dumpSizeBytes)} in ${outcome.chunkCount} chunks ` +
              `(${outcome.newChunks} new, ${outcome.reusedChunks} reused, ${mib(outcome.bytesWritten)} written) in ${(outcome.durationMs / 1000).toFixed(1)} s\n` +
              `manifest ${outcome.manifestKey}\n`,
          );
      } catch (error) {
        bar?.stop();
        if (error instanceof BackupAlreadyRunningError) throw new CliError(`${error.message}`, error.exitCode);
        throw error;
      }
    });

  program
    .command('list')
    .description('the backup history, newest first')
    .option('--limit <n>', 'how many', positiveInt('--limit'), 20)
    .option('--json', 'print JSON')
    .action(async (opts: { limit: number; json?: boolean }) => {
      const services = await servicesFromRuntime(runtime);
      const { rows } = await services.backup.pool.query(LIST_BACKUPS, [opts.limit]);
      if (opts.json) return writeJson(runtime, rows);
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

  program
    .command('latest')
    .description("the latest backup as Cotton sees it: the pointer in storage and its manifest")
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { readLatestBackup } = await import('../../repository/latest-backup');
      const latest = await readLatestBackup(await runtime.storage(), await runtime.masterEncryptionKey());
      if (!latest) throw new CliError('no backup yet: there is no latest-backup pointer under this master key', exitCodeOf('NO_BACKUP_YET'));
      if (opts.json) return writeJson(runtime, latest);
      for (const [k, v] of Object.entries(latest)) runtime.stdout.write(`${k.padEnd(20)} ${v}\n`);
    });

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

  const events = program.command('events').description('the event log itself');
  events
    .command('verify')
    .description("check every stream's hash chain and the log's seal chain (needs the master key) against the newest backup")
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const [{ verifyEventsCommand }, { newestSealAnchor }, { deriveEventSealKey }] = await Promise.all([
        import('./events-verify'),
        import('../../repository/newest-seal-anchor'),
        import('../../../../src/keys/keys'),
      ]);
      const masterEncryptionKey = await runtime.masterEncryptionKey();
      const storage = await runtime.storage();
      const seals = { sealKey: deriveEventSealKey(masterEncryptionKey), anchor: () => newestSealAnchor(storage, masterEncryptionKey) };
      const { output, exitCode } = await verifyEventsCommand(runtime.pool(), seals, { json: opts.json });
      runtime.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
      if (exitCode !== 0) throw new CliError('the event log failed verification', exitCode);
    });

  program
    .command('projections')
    .description('read models of the event log')
    .command('rebuild')
    .description('throw away latest_backup, backup_history and admin_notifications and replay every event into them')
    .action(async () => {
      const services = await servicesFromRuntime(runtime);
      const { rebuildProjections } = await import('../../projections/rebuild-projections');
      const replayed = await rebuildProjections(services.backup.pool);
      runtime.stdout.write(`replayed ${replayed} events\n`);
    });
}

// What retention decided, e.g. "  [kept: last, daily]" or "  [expired 2026-11-28]"; Cotton's own backups are marked.
function retentionNote(r: { origin: string; retention: string | null; retention_rules: string[]; expired_at: Date | null }): string {
  const origin = r.origin === 'foreign' ? "  (Cotton's own)" : '';
  if (r.retention === 'kept') return `${origin}  [kept: ${r.retention_rules.join(', ')}]`;
  if (r.retention === 'expired') return `${origin}  [expired ${new Date(r.expired_at!).toISOString().slice(0, 10)}]`;
  return origin;
}
