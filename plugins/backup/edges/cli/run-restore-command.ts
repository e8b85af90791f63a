import { CliError } from '../../../../src/cli/errors';
import { startProgress } from '../../../../src/cli/progress';
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
import type { RestoreContext, RestoreReport } from '../../restore/restore-backup';
import { exitCodeOf } from '../../core/errors';
import { resolveStoredBackup } from './resolve-stored-backup';

export const RESTORE_EXIT = {
  refused: exitCodeOf('RESTORE_ABORTED'),
  notEmpty: exitCodeOf('RESTORE_TARGET_NOT_EMPTY'),
  busy: exitCodeOf('RESTORE_IN_PROGRESS'),
} as const;

/** A copy target the backup is read from (`--from`). */
interface CopySource {
  target: { name: string };
  storage: ObjectStorage;
}

export interface RestoreCommandOptions {
  backup?: string;
  targetDatabase?: string;
  fallback?: boolean;
  json?: boolean;
  from?: string;
}

/** What `cotton-backup restore` does (restore-command.ts registers it). */
export async function runRestoreCommand(runtime: CliRuntime, given: RestoreCommandOptions): Promise<void> {
  let opts = given;
  const config = runtime.config();
  const database = targetDatabaseOf(opts, config.database.database);
  const source = opts.from === undefined ? undefined : await openNamedTarget(runtime, backupSettingsOf(config).copies, opts.from);
  // The key is proven against whatever is read (and the primary, when it is to be re-seeded) before
  // any database is created: a wrong key is refused in one line naming it, leaving no trace.
  if (source?.storage.backend) await proveKey(source.storage.backend, await runtime.masterEncryptionKey());
  const intoCottons = database === config.database.database;
  // From a copy: a test restore into another database never opens the primary (on a bare machine
  // it may not exist yet); into Cotton's database the primary is re-seeded, so it is opened for
  // writing (its root created, as `serve` would).
  const primary = source && !intoCottons ? source.storage : await runtime.storage({ write: source !== undefined });
  opts = { ...opts, backup: await refuseBeforeAnyTrace(runtime, source, source?.storage ?? primary, opts.backup) };

  const created = database === config.database.database ? false : await ensureDatabase(runtime.pool(), database);
  const pool = createPool({ ...config.database, database }, runtime.logger(), 4);
  runtime.onClose(() => pool.end());
  const services = await servicesFromRuntime(runtime, { migrate: false, storage: primary });
  const primaryCtx = services.restoreContext(connectionTarget(config, database), pool);
  const ctx = source ? { ...primaryCtx, storage: source.storage, sourceName: source.target.name } : primaryCtx;
  try {
    // Leased on the catalogue's database, so retention does not expire the backup while it is read.
    const report = await whileReading(services.backup.pool, opts.backup, () => restoreShowingProgress(runtime, ctx, opts));
    const reseeded = source ? await reseed(source, primaryCtx.storage, report, intoCottons, [runtime.pool(), pool], { ...services.copies, clock: systemClock }) : undefined;
    // The restored database records the storage its backup was made in; the re-seeded primary is
    // where its backups are from now on (else the next start would refuse it as another storage).
    if (reseeded?.event.type === 'PrimaryReseeded') await adoptStorage(runtime.pool(), primaryCtx.storage, systemClock.now());
    printRestored(runtime, opts, { database, created, report, source, reseeded });
  } catch (error) {
    throw restoreFailureForCli(error, database, opts.fallback === true);
  }
}

/** The database to restore into, once --target-database is known to be well-formed (--backup's form commander checked). */
function targetDatabaseOf(opts: RestoreCommandOptions, cottonsDatabase: string): string {
  const database = opts.targetDatabase ?? cottonsDatabase;
  if (!DATABASE_NAME.test(database)) throw new CliError(`--target-database "${database}" is not a plain database name`);
  return database;
}

/**
 * Before the target is created or migrated: a copy behind the record, or an unknown or ambiguous
 * id, must leave no trace. Returns the backup id in full (a prefix resolved), if one was given.
 */
async function refuseBeforeAnyTrace(runtime: CliRuntime, source: CopySource | undefined, sourceStorage: ObjectStorage, backupId: string | undefined): Promise<string | undefined> {
  if (source && backupId === undefined) {
    const behind = await targetBehindRecord(runtime.pool(), source.target.name, source.storage, await runtime.masterEncryptionKey()).catch(noRecord);
    if (behind) {
      throw new CliError(
        `restore refused: copy target ${source.target.name} is behind this database's record of what was copied there: ${behind}; nothing was created or changed. ` +
          'Restore a backup you choose with --backup <id> (`cotton-backup list`), or run `cotton-backup copies --sync` first',
        RESTORE_EXIT.refused,
      );
    }
  }
  return backupId === undefined ? undefined : resolveStoredBackup(sourceStorage, await runtime.masterEncryptionKey(), backupId, 'restore');
}

/** explicitRestore with a progress bar on stderr, from the first progress report to the end. */
async function restoreShowingProgress(
  runtime: CliRuntime,
  ctx: RestoreContext,
  opts: RestoreCommandOptions,
): Promise<RestoreReport> {
  const bar = startProgress(runtime.stderr, { label: 'restore: verify', json: opts.json });
  try {
    return await explicitRestore(ctx, systemClock, {
      backupId: opts.backup,
      fallback: opts.fallback ? 'previous' : 'none',
      onProgress: (_phase, p) => bar.update(p.verifiedBytes, p.totalBytes, `chunk ${p.chunksDone}/${p.chunkCount}`),
    }, runtime.logger());
  } finally {
    bar.stop();
  }
}

interface Restored {
  database: string;
  created: boolean;
  report: RestoreReport;
  source: CopySource | undefined;
  reseeded: ReseedOutcome | undefined;
}

function printRestored(runtime: CliRuntime, opts: RestoreCommandOptions, { database, created, report, source, reseeded }: Restored): void {
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
  if (opts.json) return writeJson(runtime, outcome);
  for (const r of outcome.refusedNewer) runtime.stdout.write(`skipped (did not verify): ${r}\n`);
  runtime.stdout.write(
    `restored backup ${outcome.backupId} (created ${outcome.createdAtUtc}, ${outcome.bytes} bytes) into database "${database}"` +
      `${created ? ' (created)' : ''}; verified in ${outcome.verifyMs} ms, restored in ${outcome.restoreMs} ms\n`,
  );
  if (source) runtime.stdout.write(`read from copy target ${source.target.name}; ${reseedSentence(reseeded!)}\n`);
}

/** A refusal the operator can act on, as a CliError with its exit code; any other error as it is. */
function restoreFailureForCli(error: unknown, database: string, fallback: boolean): unknown {
  if (error instanceof TargetNotEmptyError || error instanceof RestoreInProgressError) return new CliError(error.message, error.exitCode, error.code);
  if (!(error instanceof RestoreAbortedError)) return error;
  const behind = error.reason instanceof RestoreRejectedError && error.reason.reason === 'pointer_behind';
  const hint = fallback
    ? 'no older backup verified either; check COTTON_MASTER_KEY and COTTON_STORAGE_PATH'
    : behind
      ? 'choose: retry with --fallback to restore the newest backup that verifies (the newer one first), or pick one with --backup <id> (`cotton-backup list`)'
      : 'retry with --fallback to use the newest older backup that verifies, or pick one with --backup <id> (`cotton-backup list`)';
  const recorded = error.databaseIsClean
    ? `The refusal is recorded in stream restore-${error.restoreId}`
    : 'The refusal is not recorded in it (it holds a half-done restore)';
  return new CliError(
    `restore into database "${database}" refused: ${error.reason.message}. ${leftDatabaseSentence(error, database)} ${recorded}. What to do: ${hint}`,
    RESTORE_EXIT.refused,
    error.code,
  );
}

/**
 * The re-seed concerns the primary storage, whose record is Cotton's database: its event goes there
 * (stream restore-<id>, as the restore's own when that was Cotton's database too), so dropping a
 * scratch database does not drop it. Only where Cotton's database has no event store yet (a bare
 * machine) does it go to the restored database.
 */
async function reseed(
  source: CopySource,
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
