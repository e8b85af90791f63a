import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { recordInBackupIndex, type IndexEntry } from '../repository/backup-index';
import { RETENTION_CANDIDATES } from '../retention/sql';

interface IndexContext {
  pool: Pool;
  storage: ObjectStorage;
  masterEncryptionKey: Buffer;
  logger?: Logger;
}

/**
 * The new backup goes into the primary's index; an index that cannot be read is rebuilt from
 * the manifests still present that the catalogue keeps (the previous-links chain alone stops at
 * the first backup retention released).
 */
export async function recordInIndex(ctx: IndexContext, entry: IndexEntry): Promise<void> {
  const { rows } = await ctx.pool.query<{ backup_id: string; manifest_key: string; created_at: string }>(RETENTION_CANDIDATES);
  const kept = rows.map((r) => ({ manifestKey: r.manifest_key, backupId: r.backup_id, createdAtUtc: r.created_at }));
  const { rebuilt } = await recordInBackupIndex(ctx.storage, ctx.masterEncryptionKey, entry, kept);
  if (rebuilt) ctx.logger?.warn({ backupId: entry.backupId }, 'the backup index was unreadable: rebuilt from the manifests present');
}
