import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import type { Clock } from '../../../src/contract/services';
import { pointerStorageKey } from '../../../src/keys/keys';
import { redactSecrets } from '../../../src/config/secrets';
import { CHUNKING_ALGORITHM, type ChunkingParameters } from '../chunking/fastcdc';
import { checkDumpVersions, startPgDump } from '../dump/pg-dump';
import { PgToolError, type ConnectionTarget } from '../dump/pg-tools';
import { formatTimeSpan, type Manifest } from '../repository/manifest';
import { readManifest, readPointer, writeManifest, writePointer } from '../repository/manifest-store';
import { pointerTo } from '../repository/pointer';
import type { Journal } from '../projections/journal';
import { readSealHead } from '../events/seal-events';
import { failpoint } from '../core/failpoints';
import { acquireBackupLock, BackupAlreadyRunningError } from './backup-lock';
import { storeChunks, type ChunkProgress } from './store-chunks';
import { bindStorage } from '../storage-identity/bind-storage';
import { openableUnder } from '../../../src/storage/identity/prove-key';
import { failStaleBackups } from './fail-stale-backups';
import { BackupCancelledError } from './backup-cancelled-error';
import { notifyBackupFailed } from '../notifications/backup-failed';
import { PRODUCER, PRODUCER_VERSION } from '../core/producer';
import { recordInIndex } from './record-in-index';
import { recordNotified } from '../notifications/record-notified';
import { openDumpSnapshot, type CountedState } from '../dump/row-counts';
import { joinSnapshotToRecord, type RecordedFileChunks } from '../file-chunks/record-referenced-chunks';
import { forgetRecording } from '../file-chunks/forget-recording';
import { pinReusedChunks } from './pin-reused-chunks';
import { clipMessage } from '../core/message-limit';
import { startRunLog, type RunLog } from '../core/run-log';

export interface BackupContext {
  pool: Pool;
  journal: Journal;
  storage: ObjectStorage;
  masterEncryptionKey: Buffer;
  target: ConnectionTarget;
  chunking: ChunkingParameters;
  uploadConcurrency: number;
  clock: Clock;
  logger?: Logger;
  /** Values that must never reach an event or a message. */
  secrets: readonly string[];
  /** Count every dumped table's rows in the dump's own snapshot (default on; COTTON_BACKUP_ROW_COUNTS). */
  countRows?: boolean;
  /** Runs after the pointer advanced (retention pins the new backup); its failure is logged, never the backup's. */
  afterBackup?: (outcome: BackupOutcome) => Promise<void>;
}

export interface BackupOptions {
  /** The BackupRequested events this run serves. */
  requestIds?: string[];
  onProgress?: (progress: ChunkProgress) => void;
  signal?: AbortSignal;
}

export interface BackupOutcome {
  backupId: string;
  manifestKey: string;
  previousManifestKey: string | null;
  dumpSizeBytes: number;
  dumpContentHash: string;
  chunkCount: number;
  newChunks: number;
  reusedChunks: number;
  newPlaintextBytes: number;
  bytesWritten: number;
  durationMs: number;
}

type Step = 'dump' | 'chunk' | 'manifest' | 'pointer';

/**
 * One backup: pg_dump → content-defined chunks → storage → manifest → pointer, each step
 * recorded. Any failure ends in BackupFailed with no manifest written after it and the pointer
 * untouched; the pointer is only ever replaced atomically, after its manifest is stored.
 */
export async function runBackup(ctx: BackupContext, options: BackupOptions = {}): Promise<BackupOutcome> {
  const outcome = await runBackupLocked(ctx, options);
  // After the backup lock is released: retention takes its own lock, and a backup requested
  // meanwhile must not be told that one is still running. The hook is retention then the copy to
  // the targets (runtime/services.ts); from here the two cannot be told apart, so the line names both.
  await ctx.afterBackup?.(outcome).catch((error: Error) => ctx.logger?.error({ backupId: outcome.backupId, err: error.message }, 'after the backup: retention or the copy to the targets failed'));
  return outcome;
}

async function runBackupLocked(ctx: BackupContext, options: BackupOptions): Promise<BackupOutcome> {
  // Before anything is written or recorded: the key is proven again and the storage is the one
  // this database's backups are in (a storage swapped or remounted under a running host is
  // refused; `serve` refused it at start already, so this is no per-run spam).
  const lock = await (async () => {
    await bindStorage(ctx.pool, ctx.storage, { create: true, now: ctx.clock.now() });
    return acquireBackupLock(ctx.pool, ctx.target.database);
  })().catch((error: Error) => {
    // Another process backing up is no failure (a standby host asks every few seconds); anything
    // else is, and no run's end line will say it.
    if (!(error instanceof BackupAlreadyRunningError)) ctx.logger?.error({ err: redactSecrets(error.message ?? String(error), ctx.secrets) }, 'backup could not start');
    throw error;
  });
  const backupId = randomUUID().replaceAll('-', '');
  const run: BackupRun = {
    backupId,
    started: performance.now(),
    step: 'dump',
    signal: options.signal ? AbortSignal.any([options.signal, lock.lost]) : lock.lost,
    log: startRunLog(ctx.logger, 'backup', { backupId, requests: options.requestIds?.length ?? 0 }),
  };
  try {
    await recordStarted(ctx, run, options);
    const createdAt = ctx.clock.now();
    // Read before the dump's snapshot is taken, so the dump holds this seal: restoring it is never behind.
    const eventSeal = await readSealHead(ctx.pool);
    const versions = await checkDumpVersions(ctx.pool);
    const { stored, counted, recorded } = await dumpAndStore(ctx, run, options);
    await recordDumped(ctx, run.backupId, { versions, stored, counted, recorded, dumpMs: performance.now() - run.started });
    await failpoint('backup.afterLastChunk');
    // Before anything names the chunks: a reused one Cotton's GC had scheduled must not go now.
    run.step = 'chunk';
    await pinReusedChunks(ctx, stored.reusedKeys);

    run.step = 'manifest';
    const committed = await commitManifest(ctx, run, { createdAt, stored, versions, counted, eventSeal });

    run.step = 'pointer';
    await advancePointer(ctx, run, committed);
    const outcome = outcomeOf(run.backupId, committed.manifestKey, committed.previousManifestKey, stored, performance.now() - run.started);
    run.log.end('succeeded', { bytes: outcome.dumpSizeBytes, bytesWritten: outcome.bytesWritten, chunks: outcome.chunkCount, newChunks: outcome.newChunks });
    return outcome;
  } catch (caught) {
    const error = lock.lost.aborted ? lock.lost.reason : options.signal?.aborted ? new BackupCancelledError(options.signal.reason) : caught;
    await recordFailure(ctx, run, error as Error);
    throw error;
  } finally {
    await lock.release();
  }
}

/** One run of runBackupLocked: the step it is at names what failed in BackupFailed. */
interface BackupRun {
  backupId: string;
  started: number;
  step: Step;
  /** Aborted when the caller cancels or the lock's session is lost. */
  signal: AbortSignal;
  /** The run's start line is written; its end line says how it ended. */
  log: RunLog;
}

async function recordStarted(ctx: BackupContext, run: BackupRun, options: BackupOptions): Promise<void> {
  await failStaleBackups(ctx.pool, ctx.journal);
  await ctx.journal.append(run.backupId, [
    {
      type: 'BackupStarted',
      data: {
        backupId: run.backupId,
        requestIds: options.requestIds ?? [],
        database: ctx.target.database,
        host: ctx.target.host,
        port: String(ctx.target.port),
        chunking: ctx.chunking,
      },
    },
  ], { expectedVersion: 'no_stream' });
  await failpoint('backup.afterStarted');
}

/**
 * pg_dump from an exported snapshot into the chunk pipeline; in the same snapshot the rows are
 * counted and the file chunks Cotton's tables reference are recorded. A failure that is not
 * pg_dump's own is the chunking's.
 */
async function dumpAndStore(ctx: BackupContext, run: BackupRun, options: BackupOptions): Promise<{ stored: StoredDump; counted?: CountedState; recorded?: RecordedFileChunks }> {
  const reusable = await reusableUnderKey(ctx);
  // Always an exported snapshot: the file-chunk record must see exactly the rows the dump holds.
  const snapshot = await openDumpSnapshot(ctx.pool);
  const recorder = await joinSnapshotToRecord(ctx.pool, snapshot.id).catch(async (error: Error) => {
    await snapshot.holdWhile(Promise.resolve());
    throw error;
  });
  const dump = startPgDump(ctx.target, run.signal, snapshot.id);
  const recording = recorder.record(run.backupId);
  try {
    const [stored, , counted, recorded] = await Promise.all([
      storeChunks(dump.stdout, ctx.storage, {
        chunking: ctx.chunking,
        concurrency: ctx.uploadConcurrency,
        onProgress: options.onProgress,
        reusable,
      }),
      dump.done,
      ctx.countRows === false ? snapshot.holdWhile(dump.done).then(() => undefined) : snapshot.countWhile(dump.done),
      recording,
    ]);
    return { stored, counted, recorded };
  } catch (error) {
    if (!(error instanceof PgToolError)) run.step = 'chunk';
    dump.child.kill('SIGTERM');
    await dump.done.catch(() => undefined);
    // Settled before BackupFailed forgets the record, so that no record outlives the failure.
    await recording.catch(() => undefined);
    throw error;
  }
}

interface CommittedManifest {
  pointerKey: string;
  manifestKey: string;
  previousManifestKey: string | null;
  createdAtUtc: string;
}

/** The manifest written and recorded (ManifestCommitted, the index); the pointer still names the previous backup. */
async function commitManifest(
  ctx: BackupContext,
  run: BackupRun,
  m: { createdAt: Date; stored: StoredDump; versions: DumpVersions; counted?: CountedState; eventSeal: Awaited<ReturnType<typeof readSealHead>> },
): Promise<CommittedManifest> {
  run.signal.throwIfAborted();
  const pointerKey = pointerStorageKey(ctx.masterEncryptionKey);
  const previous = await readPointer(ctx.storage, pointerKey).catch((error: Error) => {
    // A damaged pointer must not block new backups: this one replaces it.
    ctx.logger?.warn({ err: error.message }, 'the current latest-backup pointer is unreadable; the new backup replaces it');
    return undefined;
  });
  const previousManifestKey = previous?.latestManifestStorageKey ?? null;
  const manifest = buildManifest(ctx, { backupId: run.backupId, ...m, previousManifestKey, elapsedMs: performance.now() - run.started });
  const manifestKey = await writeManifest(ctx.storage, manifest);
  await ctx.journal.append(run.backupId, [
    { type: 'ManifestCommitted', data: { backupId: run.backupId, manifestKey, previousManifestKey } },
  ]);
  await failpoint('backup.afterManifestCommitted');
  await recordInIndex(ctx, { manifestKey, backupId: run.backupId, createdAtUtc: manifest.createdAtUtc });
  return { pointerKey, manifestKey, previousManifestKey, createdAtUtc: manifest.createdAtUtc };
}

async function advancePointer(ctx: BackupContext, run: BackupRun, c: CommittedManifest): Promise<void> {
  run.signal.throwIfAborted(); // never advance the pointer without holding the lock
  await writePointer(ctx.storage, c.pointerKey, pointerTo(c.manifestKey, run.backupId, ctx.clock.now()));
  await ctx.journal.append(run.backupId, [
    { type: 'PointerAdvanced', data: { backupId: run.backupId, previousManifestKey: c.previousManifestKey, manifestKey: c.manifestKey } },
  ]);
  await failpoint('backup.afterPointerAdvanced');
}

/** BackupFailed at the step reached, the run's end line, the file-chunk record forgotten, the admins told (not for a cancel). */
async function recordFailure(ctx: BackupContext, run: BackupRun, error: Error): Promise<void> {
  const message = clipMessage(redactSecrets(error.message ?? String(error), ctx.secrets));
  await ctx.journal
    .append(run.backupId, [{ type: 'BackupFailed', data: { backupId: run.backupId, step: run.step, errorClass: error.name ?? 'Error', message } }])
    .catch((recordError: Error) => ctx.logger?.error({ err: recordError.message }, 'could not record BackupFailed'));
  if (error instanceof BackupCancelledError) run.log.end('cancelled', { step: run.step, reason: message });
  else run.log.end('failed', { step: run.step }, message);
  await forgetRecording(ctx.pool, run.backupId).catch(() => undefined); // nothing will pin by a failed backup
  if (!(error instanceof BackupCancelledError)) await tellAdmins(ctx, run.backupId, message);
}

type StoredDump = Awaited<ReturnType<typeof storeChunks>>;
type DumpVersions = Awaited<ReturnType<typeof checkDumpVersions>>;

/** The dump's facts, in one append: its versions and size, the row counts and file-chunk record taken in its snapshot, the chunking. */
async function recordDumped(
  ctx: BackupContext,
  backupId: string,
  d: { versions: DumpVersions; stored: StoredDump; counted?: CountedState; recorded?: RecordedFileChunks; dumpMs: number },
): Promise<void> {
  const { versions, stored, counted, recorded } = d;
  await ctx.journal.append(backupId, [
    {
      type: 'Dumped',
      data: { ...versions, bytes: stored.dumpSizeBytes, sha256: stored.dumpContentHash, durationMs: Math.round(d.dumpMs) },
    },
    ...(counted ? [{ type: 'RowsCounted' as const, data: { backupId, ...counted.state, durationMs: counted.durationMs, counters: counted.counters } }] : []),
    ...(recorded ? [{ type: 'FileChunksRecorded' as const, data: { backupId, ...recorded } }] : []),
    {
      type: 'Chunked',
      data: {
        chunkCount: stored.chunks.length,
        newChunks: stored.newChunks,
        reusedChunks: stored.reusedChunks,
        newPlaintextBytes: stored.newPlaintextBytes,
        reusedPlaintextBytes: stored.reusedPlaintextBytes,
        bytesWritten: stored.bytesWritten,
      },
    },
  ]);
}

/** The manifest Cotton reads (its fields first), plus ours: producer, chunking, versions, row counts, the event seal. */
function buildManifest(
  ctx: BackupContext,
  m: {
    backupId: string;
    createdAt: Date;
    stored: StoredDump;
    versions: DumpVersions;
    counted?: CountedState;
    eventSeal: Awaited<ReturnType<typeof readSealHead>>;
    previousManifestKey: string | null;
    elapsedMs: number;
  },
): Manifest {
  const { stored, counted, eventSeal } = m;
  return {
    schemaVersion: 1,
    backupId: m.backupId,
    createdAtUtc: m.createdAt.toISOString(),
    contains: 'postgres_database_dump',
    dumpFormat: 'pg_dump_custom',
    sourceDatabase: ctx.target.database,
    sourceHost: ctx.target.host,
    sourcePort: String(ctx.target.port),
    hashAlgorithm: 'SHA256',
    // Cotton's reader only concatenates chunks in order; with content-defined chunks the
    // fixed size it expects is the upper bound.
    chunkSizeBytes: ctx.chunking.maxBytes,
    dumpSizeBytes: stored.dumpSizeBytes,
    dumpContentHash: stored.dumpContentHash,
    chunkCount: stored.chunks.length,
    elapsed: formatTimeSpan(m.elapsedMs),
    chunks: stored.chunks,
    producer: PRODUCER,
    producerVersion: PRODUCER_VERSION,
    chunking: { algorithm: CHUNKING_ALGORITHM, ...ctx.chunking },
    previousManifestStorageKey: m.previousManifestKey,
    ...m.versions,
    ...(counted && { sourceState: counted.state }),
    ...(eventSeal && { eventSeal }),
  };
}

function outcomeOf(backupId: string, manifestKey: string, previousManifestKey: string | null, stored: StoredDump, durationMs: number): BackupOutcome {
  return {
    backupId,
    manifestKey,
    previousManifestKey,
    dumpSizeBytes: stored.dumpSizeBytes,
    dumpContentHash: stored.dumpContentHash,
    chunkCount: stored.chunks.length,
    newChunks: stored.newChunks,
    reusedChunks: stored.reusedChunks,
    newPlaintextBytes: stored.newPlaintextBytes,
    bytesWritten: stored.bytesWritten,
    durationMs: Math.round(durationMs),
  };
}

/**
 * Objects are keyed by plaintext hash, so one sealed under another key (a wrong-key backup made
 * before keys were proven, a foreign copy) looks present: an existing chunk is reused only when
 * the latest backup's manifest (read under this key) lists it, or its header opens under this key.
 */
async function reusableUnderKey(ctx: BackupContext): Promise<((key: string) => Promise<boolean>) | undefined> {
  const backend = ctx.storage.backend;
  if (!backend) return undefined;
  const known = new Set<string>();
  const pointer = await readPointer(ctx.storage, pointerStorageKey(ctx.masterEncryptionKey)).catch(() => undefined);
  const latest = pointer && (await readManifest(ctx.storage, pointer.latestManifestStorageKey).catch(() => undefined));
  for (const chunk of latest?.chunks ?? []) known.add(chunk.storageKey);
  return async (key) => known.has(key) || openableUnder(backend, key, ctx.masterEncryptionKey);
}

// A stopped host cancels on purpose; every other failure is something an admin must hear about.
async function tellAdmins(ctx: BackupContext, backupId: string, message: string): Promise<void> {
  try {
    const notified = await notifyBackupFailed(ctx.pool, ctx.clock, backupId, message);
    await recordNotified(ctx.journal, backupId, notified, ctx.logger);
  } catch (error) {
    ctx.logger?.error({ err: (error as Error).message }, 'could not notify admins of the failed backup');
  }
}
