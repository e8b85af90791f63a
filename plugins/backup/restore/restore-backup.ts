import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { pointerStorageKey } from '../../../src/keys/keys';
import { redactSecrets } from '../../../src/config/secrets';
import type { ConnectionTarget } from '../dump/pg-tools';
import type { Manifest } from '../repository/manifest';
import type { NewEvent } from '../events';
import { failpoint } from '../core/failpoints';
import { readEventsToCarry, type CarriedStream } from '../events/carry-over-events';
import { findCandidates } from './find-candidates';
import { ensureExtensions, missingExtensions, restoreTargetState, wipeDatabase } from './database-state';
import { rebaseRestoredTransactionIds } from '../events/rebase-transaction-ids';
import type { VerifyProgress } from './rebuild-verified-dump';
import { rebuildWithOffsetScan } from './rebuild-with-offset-scan';
import { acquireRestoreLock } from './restore-lock';
import { RestoreRejectedError } from '../repository/restore-rejection';
import { runPgRestore } from '../dump/pg-restore';
import { writeArchiveOffsets, type ArchiveScan } from '../dump/archive-offsets';
import { clearRestoreMarker, markRestoreInProgress, readRestoreMarker, restoreMarkerKey, type MarkerClaim } from './restore-marker';
import { RestoreAbortedError, TargetNotEmptyError, type LeftDatabase } from './restore-errors';
import { prepareWorkDir, sweepStaleWorkFiles, workFilePath } from './work-dir';
import type { RestoreFallback } from '../settings/backup-settings';
import { clipMessage } from '../core/message-limit';

/** pg_restore workers: tables and indexes rebuild in parallel from the verified (seekable) file. */
export const RESTORE_JOBS = Math.min(4, Math.max(2, availableParallelism()));

export interface RestoreContext {
  /** A pool on the target database. */
  pool: Pool;
  storage: ObjectStorage;
  masterEncryptionKey: Buffer;
  target: ConnectionTarget;
  extensions: readonly string[];
  /** Private folder for the verified dump file (created 0700, file 0600, removed on every outcome). */
  workDir: string;
  logger?: Logger;
  secrets: readonly string[];
  /** The copy target `storage` is, when it is not the primary storage (recorded in RestoreStarted). */
  sourceName?: string;
}

export interface RestoreOptions {
  trigger: 'startup' | 'cli';
  /** A specific backup instead of the latest. */
  backupId?: string;
  fallback?: RestoreFallback;
  onProgress?: (phase: 'verify', progress: VerifyProgress) => void;
  signal?: AbortSignal;
}

export interface RestoreReport {
  restoreId: string;
  /** Which storage the backup came from and why, when there was a choice (copies/rank-sources.ts). */
  sourceNote?: string;
  backupId: string;
  manifestKey: string;
  manifest: Manifest;
  bytes: number;
  verifyMs: number;
  restoreMs: number;
  /** Events rebased below the current transaction id (restored from another server). */
  rebasedEvents: number;
  /** Newer backups refused before this one was used (fallback). */
  refused: RestoreRejectedError[];
  /** The events of this restore, to append once the event store exists. */
  events: NewEvent[];
  /** Events the empty database held before pg_restore replaced its store. */
  carried: CarriedStream[];
}

export { RestoreAbortedError, TargetNotEmptyError } from './restore-errors';

/**
 * Restores a backup into a Cotton-empty database. Every chunk is verified (hash and size, then
 * the whole dump) before pg_restore sees a byte; pg_restore then runs in parallel under a
 * half-restored marker (restore-marker.ts). Nothing is written, and nothing dropped, before a
 * verified dump is in hand: on refusal the database is as it was (an interrupted restore's
 * leftovers included); once pg_restore or a step after it fails it is wiped back to empty, and a
 * crash leaves the marker, so the next start wipes and retries.
 * Either way RestoreAbortedError carries the events saying why, and what the database was left as.
 * @throws TargetNotEmptyError (nothing done, nothing to record), RestoreInProgressError
 */
export async function restoreBackup(ctx: RestoreContext, options: RestoreOptions): Promise<RestoreReport> {
  const lock = await acquireRestoreLock(ctx.pool, ctx.target.database);
  try {
    await prepareWorkDir(ctx.workDir);
    const swept = await sweepStaleWorkFiles(ctx.workDir);
    if (swept.length > 0) ctx.logger?.warn({ files: swept }, 'removed plaintext dump files left by restores that were killed');
    const target = await restoreTargetState(ctx.pool, restoreMarkerKey(ctx.masterEncryptionKey));
    if (!target.empty) throw new TargetNotEmptyError(ctx.target.database, target.marker);
    // A lost lock session stops the restore: another one may have started.
    const signal = options.signal ? AbortSignal.any([options.signal, lock.lost]) : lock.lost;
    return await restoreLocked(ctx, { ...options, signal }, target.marker.kind === 'verified' ? target.marker.claim : undefined);
  } finally {
    await lock.release();
  }
}

async function restoreLocked(ctx: RestoreContext, options: RestoreOptions, interrupted: MarkerClaim | undefined): Promise<RestoreReport> {
  const restoreId = randomUUID();
  const events: NewEvent[] = [];
  const refused: RestoreRejectedError[] = [];
  const state: RestoreState = { left: 'untouched', interrupted };
  let carried: CarriedStream[] = [];
  const pointerKey = pointerStorageKey(ctx.masterEncryptionKey);
  const dumpFile = workFilePath(ctx.workDir, restoreId);
  const abort = (reason: Error) => new RestoreAbortedError(reason, events, restoreId, refused, carried, state.left, state.interrupted);
  try {
    // A half-restored store holds the dump's events, not this database's own: nothing to carry.
    if (!interrupted) carried = await readEventsToCarry(ctx.pool);
    for await (const candidate of findCandidates(ctx.storage, ctx.masterEncryptionKey, options)) {
      if (candidate instanceof RestoreRejectedError) {
        refuse(candidate);
        if (options.fallback !== 'previous') break;
        continue;
      }
      const { manifestKey, manifest } = candidate;
      events.push({
        type: 'RestoreStarted',
        data: {
          restoreId, pointerKey, manifestKey, backupId: manifest.backupId, targetDatabase: ctx.target.database, trigger: options.trigger,
          ...(ctx.sourceName ? { source: ctx.sourceName } : {}),
        },
      });
      let verified;
      let scan;
      try {
        ({ verified, scan } = await rebuildWithOffsetScan(ctx.storage, manifest, manifestKey, {
          destination: dumpFile,
          onProgress: (p) => options.onProgress?.('verify', p),
          signal: options.signal,
        }));
      } catch (error) {
        await rm(dumpFile, { force: true });
        if (!(error instanceof RestoreRejectedError)) throw error;
        refuse(error);
        if (options.fallback !== 'previous') break;
        continue;
      }
      events.push({
        type: 'Verified',
        data: { backupId: manifest.backupId, manifestKey, bytes: verified.bytes, sha256: verified.sha256, chunkCount: manifest.chunkCount, durationMs: verified.durationMs },
      });
      await failpoint('restore.afterVerified');
      await wipeInterruptedRestore(ctx, state, events);
      const claim = { restoreId, backupId: manifest.backupId, manifestKey };
      const { restoreMs, rebasedEvents } = await restoreVerifiedFile(ctx, dumpFile, scan, claim, state, events, options.signal);
      return { restoreId, backupId: manifest.backupId, manifestKey, manifest, bytes: verified.bytes, verifyMs: verified.durationMs, restoreMs, rebasedEvents, refused, events, carried };
    }
    const reason =
      refused.length === 0
        ? new RestoreRejectedError('no_pointer', 'no backup found')
        : refused.length === 1
          ? refused[0]!
          : new RestoreRejectedError(refused.at(-1)!.reason, `no backup could be verified: ${refused.map((r) => r.message).join(' | ')}`);
    events.push(failedEvent('verification', reason, ctx.secrets));
    throw abort(reason);
  } catch (error) {
    if (error instanceof RestoreAbortedError) throw error;
    if (events.at(-1)?.type !== 'RestoreFailed') events.push(failedEvent('restore', error as Error, ctx.secrets));
    throw abort(error as Error);
  } finally {
    await rm(dumpFile, { force: true });
  }

  function refuse(rejection: RestoreRejectedError): void {
    refused.push(rejection);
    events.push(rejectedEvent(rejection));
    ctx.logger?.warn({ reason: rejection.reason, ...rejection.keys }, rejection.message);
  }
}

interface RestoreState {
  left: LeftDatabase;
  /** The earlier restore whose half-written database is still there. */
  interrupted?: MarkerClaim;
}

/**
 * A verified dump is in hand: now, and only now, the earlier restore's half-written database is
 * dropped. Its marker is checked again first (we hold the restore lock, but a role with CREATE
 * on the database does not ask for it).
 */
async function wipeInterruptedRestore(ctx: RestoreContext, state: RestoreState, events: NewEvent[]): Promise<void> {
  const earlier = state.interrupted;
  if (!earlier) return;
  const marker = await readRestoreMarker(ctx.pool, restoreMarkerKey(ctx.masterEncryptionKey));
  if (marker.kind !== 'verified' || marker.claim.restoreId !== earlier.restoreId) {
    throw new Error(`the half-restored marker of restore ${earlier.restoreId} changed while this restore verified its backup; nothing was wiped`);
  }
  ctx.logger?.warn({ database: ctx.target.database, ...earlier }, 'an earlier restore was interrupted mid-way; a backup verified, so its half-restored database is wiped first');
  try {
    await wipeDatabase(ctx.pool);
  } catch (error) {
    state.left = 'not_wiped'; // partly dropped; the marker goes last, so it is still there
    throw error;
  }
  state.interrupted = undefined;
  events.push({ type: 'InterruptedRestoreWiped', data: { interruptedRestoreId: earlier.restoreId, backupId: earlier.backupId, manifestKey: earlier.manifestKey } });
}

async function restoreVerifiedFile(
  ctx: RestoreContext,
  dumpFile: string,
  scan: ArchiveScan | Error,
  claim: MarkerClaim,
  state: RestoreState,
  events: NewEvent[],
  signal?: AbortSignal,
): Promise<{ restoreMs: number; rebasedEvents: number }> {
  const started = performance.now();
  let rebasedEvents: number;
  try {
    // One transaction: when it fails, nothing was written.
    await markRestoreInProgress(ctx.pool, restoreMarkerKey(ctx.masterEncryptionKey), claim);
  } catch (error) {
    events.push(failedEvent('marker', error as Error, ctx.secrets));
    throw error;
  }
  try {
    await ensureExtensions(ctx.pool, ctx.extensions);
    await patchOffsets(ctx, dumpFile, scan);
    await runPgRestore(ctx.target, dumpFile, { jobs: RESTORE_JOBS, signal });
  } catch (error) {
    events.push(failedEvent('pg_restore', error as Error, ctx.secrets));
    await wipeAfterFailure(ctx, state);
    throw error;
  }
  try {
    await ensureExtensions(ctx.pool, ctx.extensions);
    const missing = await missingExtensions(ctx.pool, ctx.extensions);
    if (missing.length > 0) throw new Error(`extensions missing after restore: ${missing.join(', ')}`);
    rebasedEvents = await rebaseRestoredTransactionIds(ctx.pool);
    await failpoint('restore.afterPgRestore');
    await clearRestoreMarker(ctx.pool);
  } catch (error) {
    events.push(failedEvent('after_restore', error as Error, ctx.secrets));
    await wipeAfterFailure(ctx, state);
    throw error;
  }
  const restoreMs = Math.round(performance.now() - started);
  events.push({ type: 'Restored', data: { backupId: claim.backupId, durationMs: restoreMs } });
  events.push({ type: 'ExtensionsEnsured', data: { extensions: [...ctx.extensions] } });
  if (rebasedEvents > 0) ctx.logger?.info({ rebasedEvents }, 'restored events rebased below the current transaction id');
  return { restoreMs, rebasedEvents };
}

/**
 * The dump was streamed through a pipe, so its TOC has no data offsets and every pg_restore worker
 * would scan the file for its table's block. Writing the offsets in, as pg_dump does for a seekable
 * file, makes pg_restore -j seek instead. The scan read only verified bytes (alongside the
 * verification, rebuild-with-offset-scan.ts) and the offsets are written after the whole file was
 * verified (hash and size), on purpose: it changes only the TOC entries' offset fields, which are
 * pointers to bytes that were verified, never data, and it writes nothing unless it understood the
 * whole file. It is only an
 * optimisation: should it fail, pg_restore runs on the file as verified and scans as before.
 */
async function patchOffsets(ctx: RestoreContext, dumpFile: string, scan: ArchiveScan | Error): Promise<void> {
  const started = performance.now();
  try {
    if (scan instanceof Error) throw scan;
    // Not durable: the work file is read by this process's pg_restore only; after a crash a restore
    // verifies anew into a new file. An fsync would write the whole dump back to disk first.
    const result = await writeArchiveOffsets(dumpFile, scan, { durable: false });
    ctx.logger?.info({ ...result, durationMs: Math.round(performance.now() - started) }, 'data offsets written into the dump for pg_restore -j');
  } catch (error) {
    ctx.logger?.warn({ err: (error as Error).message }, 'could not write data offsets into the dump; pg_restore scans for its data instead');
  }
}

// The database is not fit to serve: back to empty, so the next start retries. Should the wipe
// fail too, the marker stays and the next restore wipes before restoring.
async function wipeAfterFailure(ctx: RestoreContext, state: RestoreState): Promise<void> {
  try {
    await wipeDatabase(ctx.pool);
    state.left = 'wiped';
  } catch (wipeError) {
    state.left = 'not_wiped';
    ctx.logger?.error({ err: (wipeError as Error).message }, `could not wipe database "${ctx.target.database}" after a failed restore; the next restore wipes it first`);
  }
}

function failedEvent(step: string, error: Error, secrets: readonly string[]): NewEvent {
  return {
    type: 'RestoreFailed',
    data: { step, errorClass: error.name || 'Error', message: clipMessage(redactSecrets(error.message ?? String(error), secrets)) },
  };
}

function rejectedEvent(error: RestoreRejectedError): NewEvent {
  return {
    type: 'RestoreRejected',
    data: {
      reason: error.reason,
      detail: clipMessage(error.detail),
      ...(error.keys.manifestKey ? { manifestKey: error.keys.manifestKey } : {}),
      ...(error.keys.chunkKey ? { chunkKey: error.keys.chunkKey } : {}),
    },
  };
}
