/** The plugin's record of the chunks each backup's database referenced (migration 008). */
import { referencedHashes, type ReferenceColumn } from '../cotton-tables/sql';

/** Joins pg_dump's snapshot (SET TRANSACTION SNAPSHOT next) in a transaction that may write the record. */
export const BEGIN_WRITER = 'BEGIN ISOLATION LEVEL REPEATABLE READ';

/**
 * One backup's referenced chunks ($1 backup id), read and written by the server in one statement
 * (no hash travels to the host), in the snapshot of the transaction that runs it. A retry of the
 * same backup id records nothing new.
 */
export const recordReferencedChunks = (columns: readonly ReferenceColumn[]): string => `
  INSERT INTO cotton_backup.referenced_chunk_recordings (backup_id, chunk_count, hashes)
  SELECT $1, count(*), coalesce(array_agg(s.hash ORDER BY s.hash), '{}') FROM (${referencedHashes(columns)}) s
  ON CONFLICT (backup_id) DO NOTHING
  RETURNING chunk_count`;

/**
 * A backup's recorded chunks ($1) that no live file, preview or avatar references now, as storage
 * keys: the ones only the backup keeps alive (and Cotton's GC would collect without its pin).
 */
export const recordedUnreferencedKeys = (columns: readonly ReferenceColumn[]): string => `
  SELECT encode(k.hash, 'hex') AS key
    FROM (SELECT unnest(r.hashes) AS hash FROM cotton_backup.referenced_chunk_recordings r WHERE r.backup_id = $1
          ${columns.length > 0 ? `EXCEPT ${referencedHashes(columns)}` : ''}) k
   WHERE length(k.hash) = 32
   ORDER BY 1`;

export const HAS_RECORDING = 'SELECT EXISTS (SELECT 1 FROM cotton_backup.referenced_chunk_recordings WHERE backup_id = $1) AS present';

/** A released or failed backup's record goes: nothing will pin by it again. */
export const FORGET_RECORDING = 'DELETE FROM cotton_backup.referenced_chunk_recordings WHERE backup_id = $1';
