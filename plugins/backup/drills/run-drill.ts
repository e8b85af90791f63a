import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { redactSecrets } from '../../../src/config/secrets';
import type { Clock } from '../../../src/contract/services';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import type { ConnectionTarget } from '../dump/pg-tools';
import { readDatabaseState } from '../dump/row-counts';
import type { EventData } from '../events/vocabulary';
import type { Journal } from '../projections/journal';
import { notifyDrillFailed } from '../notifications/drill-failed';
import { findCandidates } from '../restore/find-candidates';
import { restoreBackup, type RestoreContext } from '../restore/restore-backup';
import { RestoreRejectedError } from '../repository/restore-rejection';
import { compareState, type DrillProblem, type TableReport } from './compare-state';
import { missingFileChunks } from '../file-chunks/missing-file-chunks';
import { createScratchDatabaseFor, scratchDatabaseName } from './scratch-database';
import { sweepLeftovers } from './sweep-leftovers';
import { tryDrillLock } from './drill-lock';
import { BackupPluginError } from '../core/errors';

export interface DrillContext {
  /** A pool on the source database: the journal, the lock, and where scratch databases are created from. */
  pool: Pool;
  journal: Journal;
  storage: ObjectStorage;
  masterEncryptionKey: Buffer;
  target: ConnectionTarget;
  /** The restore code's context for the scratch database (services.restoreContext). */
  restoreContext(target: ConnectionTarget, pool: Pool): RestoreContext;
  clock: Clock;
  logger?: Logger;
  secrets: readonly string[];
}

export interface DrillOptions {
  backupId?: string;
  trigger: 'cli' | 'schedule';
  signal?: AbortSignal;
}

export interface DrillReport {
  drillId: string;
  backupId: string;
  manifestKey: string;
  scratchDatabase: string;
  passed: boolean;
  tables: TableReport[];
  problems: DrillProblem[];
  restoreMs: number;
  durationMs: number;
  /** Scratch databases of crashed drills dropped before this one. */
  sweptLeftovers: string[];
}

export class DrillAlreadyRunningError extends BackupPluginError {
  constructor(database: string) {
    super('DRILL_ALREADY_RUNNING', `a restore drill of database "${database}" is already running (on this or another host)`);
  }
}

/**
 * Restores a backup (the latest, or `backupId`) into a scratch database on the same server with
 * the usual verification (restoreBackup), then checks it against the source at dump time, as
 * recorded in the manifest: every table's exact row count, the extensions, Cotton's EF
 * migrations. The scratch database is dropped on every outcome; a crashed drill's is swept by the
 * next. Recorded as DrillStarted then DrillPassed or DrillFailed (admins told) in `drill-<id>`.
 * @throws DrillAlreadyRunningError; RestoreRejectedError when there is no backup to drill
 */
export async function runDrill(ctx: DrillContext, options: DrillOptions): Promise<DrillReport> {
  const held = await tryDrillLock(ctx.pool);
  if (!held) throw new DrillAlreadyRunningError(ctx.target.database);
  try {
    const sweptLeftovers = await sweepLeftovers(ctx);
    return { ...(await drillLocked(ctx, options)), sweptLeftovers };
  } finally {
    await held.release();
  }
}

async function drillLocked(ctx: DrillContext, options: DrillOptions): Promise<Omit<DrillReport, 'sweptLeftovers'>> {
  const candidate = await firstCandidate(ctx, options.backupId);
  const { manifestKey, manifest } = candidate;
  const drillId = randomUUID();
  const streamId = `drill-${drillId}`;
  const scratchDatabase = scratchDatabaseName(ctx.target.database, drillId);
  const started = performance.now();
  await ctx.journal.append(
    streamId,
    [{ type: 'DrillStarted', data: { drillId, backupId: manifest.backupId, manifestKey, scratchDatabase, trigger: options.trigger } }],
    { expectedVersion: 'no_stream' },
  );
  let tables: TableReport[] = [];
  let problems: DrillProblem[] = [];
  let restoreMs = 0;
  try {
    const scratch = await createScratchDatabaseFor(ctx.pool, ctx.target, drillId);
    try {
      const restored = await restoreBackup(ctx.restoreContext(scratch.target, scratch.pool), {
        trigger: 'cli',
        backupId: manifest.backupId,
        signal: options.signal,
      });
      restoreMs = restored.restoreMs + restored.verifyMs;
      if (!restored.manifest.sourceState) {
        problems = [{ problem: 'no_counts', subject: 'manifest', expected: 'row counts of the dump', actual: null }];
      } else {
        ({ tables, problems } = compareState(restored.manifest.sourceState, await readDatabaseState(scratch.pool)));
      }
      // The restored database's files must have their bytes: a kept backup's pins hold them (issue 27, 0c).
      for (const key of (await missingFileChunks(ctx.pool, ctx.storage, manifest.backupId)).missing) {
        problems.push({ problem: 'missing_file_chunk', subject: key, expected: 'in storage', actual: 'missing' });
      }
    } finally {
      // Never lost: a scratch database that would not drop is the next drill's leftover to sweep.
      await scratch.drop().catch((error: Error) => ctx.logger?.error({ database: scratch.name, err: error.message }, 'could not drop the drill scratch database'));
    }
  } catch (error) {
    const message = redactSecrets((error as Error).message ?? String(error), ctx.secrets);
    problems = [...problems, { problem: 'restore_failed', subject: message.slice(0, 400), expected: null, actual: null }];
  }
  const durationMs = Math.round(performance.now() - started);
  const base = { drillId, backupId: manifest.backupId, manifestKey };
  if (problems.length === 0) {
    const rows = tables.reduce((sum, t) => sum + (t.actual ?? 0), 0);
    await ctx.journal.append(streamId, [{ type: 'DrillPassed', data: { ...base, tables: tables.length, rows, restoreMs, durationMs } }]);
  } else {
    const failed: EventData<'DrillFailed'> = { ...base, problems: problems.slice(0, 1000), durationMs };
    await ctx.journal.append(streamId, [{ type: 'DrillFailed', data: failed }]);
    await tellAdmins(ctx, streamId, failed);
  }
  return { ...base, scratchDatabase, passed: problems.length === 0, tables, problems, restoreMs, durationMs };
}

async function firstCandidate(ctx: DrillContext, backupId: string | undefined) {
  for await (const candidate of findCandidates(ctx.storage, ctx.masterEncryptionKey, { backupId })) {
    if (candidate instanceof RestoreRejectedError) throw candidate;
    return candidate;
  }
  throw new RestoreRejectedError('no_pointer', 'no backup found to drill');
}

async function tellAdmins(ctx: DrillContext, streamId: string, failed: EventData<'DrillFailed'>): Promise<void> {
  try {
    const notified = await notifyDrillFailed(ctx.pool, ctx.clock, failed);
    if (notified) await ctx.journal.append(streamId, [notified]);
  } catch (error) {
    ctx.logger?.error({ err: (error as Error).message }, 'could not notify admins of the failed restore drill');
  }
}
