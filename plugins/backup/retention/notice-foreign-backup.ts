import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { pointerStorageKey } from '../../../src/keys/keys';
import { ConcurrencyError } from '../events/errors';
import { recordInBackupIndex } from '../manifest/backup-index';
import { readManifest, readPointer } from '../manifest/manifest-store';
import type { Journal } from '../projections/journal';
import { BACKUP_KNOWN } from './sql';

export interface NoticeContext {
  pool: Pool;
  journal: Journal;
  storage: ObjectStorage;
  masterEncryptionKey: Buffer;
  logger?: Logger;
}

/**
 * A backup the catalogue does not know (Cotton's own job wrote it and moved the pointer) is
 * recorded as ForeignBackupNoticed, so retention keeps it like ours, and added to the backup
 * index, so `restore --backup <id>` and the fallback still find it once the pointer moves on.
 * Returns its id when it was new. An unreadable manifest is logged and left for the next run.
 */
export async function noticeForeignBackup(ctx: NoticeContext, manifestKey: string): Promise<string | undefined> {
  let manifest;
  try {
    manifest = await readManifest(ctx.storage, manifestKey);
  } catch (error) {
    ctx.logger?.warn({ manifestKey, err: (error as Error).message }, 'a manifest the pointer named cannot be read; not catalogued');
    return undefined;
  }
  const { rows } = await ctx.pool.query<{ known: boolean }>(BACKUP_KNOWN, [manifest.backupId]);
  if (rows[0]?.known) return undefined;
  try {
    await ctx.journal.append(manifest.backupId, [{
      type: 'ForeignBackupNoticed',
      data: {
        backupId: manifest.backupId,
        manifestKey,
        createdAtUtc: manifest.createdAtUtc,
        sourceDatabase: manifest.sourceDatabase.slice(0, 200),
        dumpSizeBytes: manifest.dumpSizeBytes,
        chunkCount: manifest.chunkCount,
      },
    }], { expectedVersion: 'no_stream' });
  } catch (error) {
    if (error instanceof ConcurrencyError) return undefined; // another host noticed it first
    throw error;
  }
  await recordInBackupIndex(ctx.storage, ctx.masterEncryptionKey, { manifestKey, backupId: manifest.backupId, createdAtUtc: manifest.createdAtUtc });
  ctx.logger?.info({ backupId: manifest.backupId, manifestKey }, 'noticed a backup this host did not write (Cotton\'s own job); retention keeps it like ours');
  return manifest.backupId;
}

/** What the latest-backup pointer names now: its manifest key and backup id, or undefined. */
export async function currentPointer(ctx: NoticeContext): Promise<{ manifestKey: string; backupId: string } | undefined> {
  const pointer = await readPointer(ctx.storage, pointerStorageKey(ctx.masterEncryptionKey)).catch((error: Error) => {
    ctx.logger?.warn({ err: error.message }, 'the latest-backup pointer is unreadable');
    return undefined;
  });
  return pointer && { manifestKey: pointer.latestManifestStorageKey, backupId: pointer.latestBackupId };
}
