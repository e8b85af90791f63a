import cliProgress from 'cli-progress';
import { CliError } from '../../../../src/cli/errors';
import type { CliRuntime } from '../../../../src/cli/runtime';
import type { Pool } from 'pg';
import { createPool } from '../../../../src/db/pool';
import type { ObjectStorage } from '../../../../src/storage/object-storage';
import type { CopiesRestoreInputs } from '../../copies/open-target';
import { systemClock } from '../../../../src/contract/clock';
import { connectionTarget } from '../../runtime/services';
import { DATABASE_NAME, ensureDatabase, explicitRestore } from '../../restore/explicit-restore';
import { leftDatabaseSentence, RestoreAbortedError, TargetNotEmptyError } from '../../restore/restore-errors';
import { RestoreInProgressError } from '../../restore/restore-lock';
import { listKnownManifests } from '../../repository/backup-index';
import { unknownBackupDetail } from '../../restore/find-candidates';
import { RestoreRejectedError } from '../../repository/restore-rejection';
import { servicesFromRuntime, writeJson } from './services-from-runtime';
import { whileReading } from '../../retention/reading-lease';
import { openNamedTarget } from './open-named-target';
import { backupSettingsOf } from '../../settings/backup-settings';
import { reseedPrimary, type ReseedOutcome } from '../../copies/reseed-primary';
import { targetBehindRecord } from '../../copies/target-behind-record';
import { createJournal } from '../../projections/journal';
import { adoptStorage } from '../../storage-identity/bind-storage';
import { proveKey } from '../../../../src/storage/identity/prove-key';
import { RESTORE_EXIT, type RestoreCommandOptions } from './restore-command';

/** What `cotton-backup restore` does (restore-command.ts registers it). */
export async function runRestoreCommand(runtime: CliRuntime, opts: RestoreCommandOptions): Promise<void> {
  if (opts.backup !== undefined && !/^[0-9a-f]{32}$/.test(opts.backup)) {
    throw new CliError(`--backup must be a backup id of 32 lowercase hex characters, got "${opts.backup}"`);
  }
  const config = runtime.config();
  const database = opts.targetDatabase ?? config.database.database;
  if (!DATABASE_NAME.test(database)) throw new CliError(`--target-database "${database}" is not a plain database name`);
  const source = opts.from === undefined ? undefined : await openNamedTarget(runtime, backupSettingsOf(config).copies, opts.from);
  // The key is proven against whatever is read (and the primary, when it is to be re-seeded) before
  // any database is created: a wrong key is refused in one line naming it, leaving no trace.
  if (source?.storage.backend) await proveKey(source.storage.backend, await runtime.masterEncryptionKey());
  const intoCottons = database === config.database.database;
  // From a copy: a test restore into another database never opens the primary (on a bare machine
  // it may not exist yet); into Cotton's database the primary is re-seeded, so it is opened for
  // writing (its root created, as `serve` would).
  const primary = source && !intoCottons ? source.storage : await runtime.storage({ write: source !== undefined });
  const sourceStorage = source?.storage ?? primary;
  // Before the target is created or migrated: a copy behind the record, or an unknown id, must leave no trace.
  if (source && opts.backup === undefined) {
    const behind = await targetBehindRecord(runtime.pool(), source.target.name, source.storage, await runtime.masterEncryptionKey()).catch(noRecord);
    if (behind) {
      throw new CliError(
        `restore refused: copy target ${source.target.name} is behind this database's record of what was copied there: ${behind}; nothing was created or changed. ` +
          'Restore a backup you choose with --backup <id> (`cotton-backup list`), or run `cotton-backup copies --sync` first',
        RESTORE_EXIT.refused,
      );
    }
  }
  if (opts.backup !== undefined) {
    const known = await listKnownManifests(sourceStorage, await runtime.masterEncryptionKey());
    if (!known.some((k) => k.backupId === opts.backup)) {
      throw new CliError(
        `restore refused: ${unknownBackupDetail(opts.backup, known.length)}; nothing was created or changed. \`cotton-backup list\` shows the backups`,
        RESTORE_EXIT.refused,
      );
    }
  }
  const created = database === config.database.database ? false : await ensureDatabase(runtime.pool(), database);
  const pool = createPool({ ...config.database, database }, runtime.logger(), 4);
  runtime.onClose(() => pool.end());
  const services = await servicesFromRuntime(runtime, { migrate: false, storage: primary });
  const primaryCtx = services.restoreContext(connectionTarget(config, database), pool);
  const ctx = source ? { ...primaryCtx, storage: source.storage, sourceName: source.target.name } : primaryCtx;

  const bar = new cliProgress.SingleBar(
    { stream: runtime.stderr, format: 'verify |{bar}| {percentage}% {value}/{total} MiB, chunk {chunks}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let barStarted = false;
  try {
    // Leased on the catalogue's database, so retention does not expire the backup while it is read.
    const report = await whileReading(services.backup.pool, opts.backup, () => explicitRestore(ctx, systemClock, {
      backupId: opts.backup,
      fallback: opts.fallback ? 'previous' : 'none',
      onProgress: (_phase, p) => {
        const chunks = `${p.chunksDone}/${p.chunkCount}`;
        if (!barStarted) {
          bar.start(mib(p.totalBytes), 0, { chunks });
          barStarted = true;
        }
        bar.update(mib(p.verifiedBytes), { chunks });
      },
    }, runtime.logger()));
    if (barStarted) bar.stop();
    const reseeded = source ? await reseed(source, primaryCtx.storage, report, intoCottons, [runtime.pool(), pool], { ...services.copies, clock: systemClock }) : undefined;
    // The restored database records the storage its backup was made in; the re-seeded primary is
    // where its backups are from now on (else the next start would refuse it as another storage).
    if (reseeded?.event.type === 'PrimaryReseeded') await adoptStorage(runtime.pool(), primaryCtx.storage, systemClock.now());
    const outcome = {
      status: 'restored',
      database,
      created,
      backupId: report.backupId,
      createdAtUtc: report.manifest.createdAtUtc,
      manifestKey: report.manifestKey,
      bytes: report.bytes,
      verifyMs: report.verifyMs,
      restoreMs: report.restoreMs,
      refusedNewer: report.refused.map((r) => r.message),
      restoreStream: `restore-${report.restoreId}`,
      ...(source ? { source: source.target.name, primary: reseeded!.event.data } : {}),
    };
    if (opts.json) writeJson(runtime, outcome);
    else {
      for (const r of outcome.refusedNewer) runtime.stdout.write(`skipped (did not verify): ${r}\n`);
      runtime.stdout.write(
        `restored backup ${outcome.backupId} (created ${outcome.createdAtUtc}, ${outcome.bytes} bytes) into database "${database}"` +
          `${created ? ' (created)' : ''}; verified in ${outcome.verifyMs} ms, restored in ${outcome.restoreMs} ms\n`,
      );
      if (source) runtime.stdout.write(`read from copy target ${source.target.name}; ${reseedSentence(reseeded!)}\n`);
    }
  } catch (error) {
    if (barStarted) bar.stop();
    if (error instanceof TargetNotEmptyError || error instanceof RestoreInProgressError) throw new CliError(error.message, error.exitCode);
    if (error instanceof RestoreAbortedError) {
      const behind = error.reason instanceof RestoreRejectedError && error.reason.reason === 'pointer_behind';
      const hint = opts.fallback
        ? 'no older backup verified either; check COTTON_MASTER_KEY and COTTON_STORAGE_PATH'
        : behind
          ? 'choose: retry with --fallback to restore the newest backup that verifies (the newer one first), or pick one with --backup <id> (`cotton-backup list`)'
          : 'retry with --fallback to use the newest older backup that verifies, or pick one with --backup <id> (`cotton-backup list`)';
      const recorded = error.databaseIsClean
        ? `The refusal is recorded in stream restore-${error.restoreId}`
        : 'The refusal is not recorded in it (it holds a half-done restore)';
      throw new CliError(
        `restore into database "${database}" refused: ${error.reason.message}. ${leftDatabaseSentence(error, database)} ${recorded}. What to do: ${hint}`,
        RESTORE_EXIT.refused,
      );
    }
    throw error;
  }
}

/**
 * The re-seed concerns the primary storage, whose record is Cotton's database: its event goes there
 * (stream restore-<id>, as the restore's own when that was Cotton's database too), so dropping a
 * scratch database does not drop it. Only where Cotton's database has no event store yet (a bare
 * machine) does it go to the restored database.
 */
async function reseed(
  source: { target: { name: string }; storage: ObjectStorage },
  primary: ObjectStorage,
  report: { restoreId: string; backupId: string; manifestKey: string; manifest: { createdAtUtc: string } },
  intoCottonsDatabase: boolean,
  [cottonsPool, restoredPool]: [Pool, Pool],
  inputs: CopiesRestoreInputs,
): Promise<ReseedOutcome> {
  const restored = { backupId: report.backupId, manifestKey: report.manifestKey, createdAtUtc: report.manifest.createdAtUtc, intoCottonsDatabase };
  const outcome = await reseedPrimary({ name: source.target.name, storage: source.storage }, primary, restored, inputs);
  const stream = `restore-${report.restoreId}`;
  const recorded = await createJournal(cottonsPool).append(stream, [outcome.event]).then(() => true, noRecord);
  if (!recorded) await createJournal(restoredPool).append(stream, [outcome.event]);
  return outcome;
}

function reseedSentence(outcome: ReseedOutcome): string {
  const e = outcome.event;
  if (e.type === 'PrimaryReseeded') {
    return `primary storage re-seeded (${e.data.objectsSent} objects, ${e.data.bytesSent} bytes sent)${e.data.pointerAdvanced ? ' and its pointer names this backup' : ''}`;
  }
  return e.type === 'PrimaryReseedSkipped' ? `primary storage left as it was: ${e.data.detail}` : '';
}

// No catalogue to compare with (a bare machine: no database, or not migrated yet): nothing is recorded.
function noRecord(error: { code?: string }): undefined {
  if (error.code === '42P01' || error.code === '3F000' || error.code === '3D000') return undefined;
  throw error;
}

function mib(bytes: number): number {
  return Math.round((bytes / (1024 * 1024)) * 10) / 10;
}
