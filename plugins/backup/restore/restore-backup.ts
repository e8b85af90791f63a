import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { pointerStorageKey } from '../../../src/keys/keys';
import { redactSecrets } from '../../../src/config/secrets';
import type { ConnectionTarget } from '../dump/pg-tools';
import { runPgRestore } from '../dump/pg-restore';
import type { Manifest } from '../manifest/manifest';
import type { NewEvent } from '../projections/journal';
import { failpoint } from '../failpoints';
import { ensureExtensions, missingExtensions, wipeDatabase } from './database-state';
import { discoverLatestBackup, loadManifest } from './discover-backup';
import { rebuildVerifiedDump, type VerifyProgress } from './rebuild-verified-dump';
import { RestoreRejectedError } from './restore-rejection';
import { listKnownManifests } from '../manifest/backup-index';

export interface RestoreContext {
  /** A pool on the target database. */
  pool: Pool;
  storage: ObjectStorage;
  masterEncryptionKey: Buffer;
  target: ConnectionTarget;
  extensions: readonly string[];
  /** Private folder for the verified dump file (created 0700, file 0600, removed on every outcome). */
  workDir: string;
  jobs: number;
  logger?: Logger;
  secrets: readonly string[];
}

export interface RestoreOptions {
  trigger: 'startup' | 'cli';
  /** A specific backup instead of the latest. */
  backupId?: string;
  fallback?: 'none' | 'previous';
  onProgress?: (phase: 'verify', progress: VerifyProgress) => void;
  signal?: AbortSignal;
}

export interface RestoreReport {
  restoreId: string;
  backupId: string;
  manifestKey: string;
  manifest: Manifest;
  bytes: number;
  verifyMs: number;
  restoreMs: number;
  /** Newer backups refused before this one was used (fallback). */
  refused: RestoreRejectedError[];
  /** The events of this restore, to append once the event store exists. */
  events: NewEvent[];
}

/** Thrown when no backup could be restored; carries the events to record. */
export class RestoreAbortedError extends Error {
  constructor(
    readonly reason: Error,
    readonly events: NewEvent[],
    readonly restoreId: string,
  ) {
    super(reason.message, { cause: reason });
    this.name = 'RestoreAbortedError';
  }
}

/**
 * Restores a backup into an empty database. Every chunk is verified (hash and size, then the
 * whole dump) before pg_restore sees a byte. On refusal the database is not touched; on a
 * pg_restore failure it is wiped back to empty. Either way the events say why.
 */
export async function restoreBackup(ctx: RestoreContext, options: RestoreOptions): Promise<RestoreReport> {
  const restoreId = randomUUID();
  const events: NewEvent[] = [];
  const refused: RestoreRejectedError[] = [];
  const pointerKey = pointerStorageKey(ctx.masterEncryptionKey);
  await mkdir(ctx.workDir, { recursive: true, mode: 0o700 });
  const dumpFile = join(ctx.workDir, `${restoreId}.dump`);
  try {
    for await (const candidate of candidates(ctx, options)) {
      if (candidate instanceof RestoreRejectedError) {
        refused.push(candidate);
        events.push(rejectedEvent(candidate));
        if (options.fallback !== 'previous') break;
        continue;
      }
      const { manifestKey, manifest } = candidate;
      events.push({
        type: 'RestoreStarted',
        data: { restoreId, pointerKey, manifestKey, backupId: manifest.backupId, targetDatabase: ctx.target.database, trigger: options.trigger },
      });
      let verified;
      try {
        verified = await rebuildVerifiedDump(ctx.storage, manifest, manifestKey, {
          destination: dumpFile,
          onProgress: (p) => {
            if (p.chunksDone === 1) void failpoint('restore.midVerification'); // exit only: a crash mid-read
            options.onProgress?.('verify', p);
          },
        });
      } catch (error) {
        await rm(dumpFile, { force: true });
        if (!(error instanceof RestoreRejectedError)) throw error;
        refused.push(error);
        events.push(rejectedEvent(error));
        if (options.fallback !== 'previous') break;
        continue;
      }
      events.push({
        type: 'Verified',
        data: { backupId: manifest.backupId, manifestKey, bytes: verified.bytes, sha256: verified.sha256, chunkCount: manifest.chunkCount, durationMs: verified.durationMs },
      });
      await failpoint('restore.afterVerified');
      const restoreMs = await restoreVerifiedFile(ctx, dumpFile, manifest, events, options.signal);
      return { restoreId, backupId: manifest.backupId, manifestKey, manifest, bytes: verified.bytes, verifyMs: verified.durationMs, restoreMs, refused, events };
    }
    const last = refused.at(-1) ?? new RestoreRejectedError('no_pointer', 'no backup found');
    throw new RestoreAbortedError(
      refused.length > 1 ? new RestoreRejectedError(last.reason, `no backup could be verified; ${refused.map((r) => r.message).join(' | ')}`) : last,
      events,
      restoreId,
    );
  } catch (error) {
    if (error instanceof RestoreAbortedError) throw error;
    throw new RestoreAbortedError(error as Error, events, restoreId);
  } finally {
    await rm(dumpFile, { force: true });
  }
}

async function restoreVerifiedFile(ctx: RestoreContext, dumpFile: string, manifest: Manifest, events: NewEvent[], signal?: AbortSignal): Promise<number> {
  const started = performance.now();
  try {
    await ensureExtensions(ctx.pool, ctx.extensions);
    await runPgRestore(ctx.target, dumpFile, ctx.jobs, signal);
    await ensureExtensions(ctx.pool, ctx.extensions);
    const missing = await missingExtensions(ctx.pool, ctx.extensions);
    if (missing.length > 0) throw new Error(`extensions missing after restore: ${missing.join(', ')}`);
  } catch (error) {
    const err = error as Error;
    events.push({
      type: 'RestoreFailed',
      data: { step: 'pg_restore', errorClass: err.name, message: redactSecrets(err.message, ctx.secrets).slice(0, 4000) },
    });
    await wipeDatabase(ctx.pool).catch((wipeError: Error) =>
      ctx.logger?.error({ err: wipeError.message }, 'could not wipe the half-restored database; drop and recreate it by hand'),
    );
    throw error;
  }
  const restoreMs = Math.round(performance.now() - started);
  events.push({ type: 'Restored', data: { backupId: manifest.backupId, durationMs: restoreMs } });
  events.push({ type: 'ExtensionsEnsured', data: { extensions: [...ctx.extensions] } });
  return restoreMs;
}

type Candidate = { manifestKey: string; manifest: Manifest } | RestoreRejectedError;

/**
 * The backups to try, newest first: the pointer's (or the chosen one), then — with the
 * fallback — each manifest's previous link, then the backup index for links a lost manifest broke.
 */
async function* candidates(ctx: RestoreContext, options: RestoreOptions): AsyncGenerator<Candidate> {
  const tried = new Set<string>();
  const queue: string[] = [];
  if (options.backupId) {
    const known = await listKnownManifests(ctx.storage, ctx.masterEncryptionKey);
    const entry = known.find((k) => k.backupId === options.backupId);
    if (!entry) {
      yield new RestoreRejectedError('missing_manifest', `no backup ${options.backupId} is known to the pointer or the backup index`);
      return;
    }
    queue.push(entry.manifestKey);
  } else {
    try {
      const latest = await discoverLatestBackup(ctx.storage, ctx.masterEncryptionKey);
      tried.add(latest.manifestKey);
      yield { manifestKey: latest.manifestKey, manifest: latest.manifest };
      if (latest.manifest.previousManifestStorageKey) queue.push(latest.manifest.previousManifestStorageKey);
    } catch (error) {
      if (!(error instanceof RestoreRejectedError)) throw error;
      yield error;
    }
    if (options.fallback === 'previous') {
      for (const k of await listKnownManifests(ctx.storage, ctx.masterEncryptionKey).catch(() => [])) queue.push(k.manifestKey);
    }
  }
  while (queue.length > 0) {
    const key = queue.shift()!;
    if (tried.has(key)) continue;
    tried.add(key);
    try {
      const manifest = await loadManifest(ctx.storage, key);
      yield { manifestKey: key, manifest };
      if (manifest.previousManifestStorageKey) queue.unshift(manifest.previousManifestStorageKey);
    } catch (error) {
      if (!(error instanceof RestoreRejectedError)) throw error;
      yield error;
    }
  }
}

function rejectedEvent(error: RestoreRejectedError): NewEvent {
  return {
    type: 'RestoreRejected',
    data: {
      reason: error.reason,
      detail: error.detail.slice(0, 4000),
      ...(error.keys.manifestKey ? { manifestKey: error.keys.manifestKey } : {}),
      ...(error.keys.chunkKey ? { chunkKey: error.keys.chunkKey } : {}),
    },
  };
}
