import type { Pool, PoolClient } from 'pg';
import { hasChunksTable } from '../cotton-tables/chunks-table';
import { importSnapshot } from '../dump/sql';
import { presentReferenceColumns } from './reference-columns';
import { BEGIN_WRITER, recordReferencedChunks as RECORD } from './sql';

export interface RecordedFileChunks {
  /** Distinct chunk hashes the database referenced in pg_dump's snapshot. */
  chunkCount: number;
  /** The reference columns read, as `table.column`. */
  columns: string[];
  durationMs: number;
}

export interface FileChunkRecorder {
  /**
   * Writes the record for `backupId` and ends the transaction. Undefined for a database without
   * Cotton's chunks table or any reference column: nothing of Cotton's to protect.
   */
  record(backupId: string): Promise<RecordedFileChunks | undefined>;
}

/**
 * Joins pg_dump's exported snapshot, so that the record holds exactly the references (files,
 * previews, avatars) that a restore of the dump brings back. The exporting transaction is
 * read-only and busy counting rows, so a second transaction joins it; it must do so while the
 * exporter is open, which is why joining is a step of its own, taken before pg_dump starts.
 */
export async function joinSnapshotToRecord(pool: Pool, snapshotId: string): Promise<FileChunkRecorder> {
  const client = await pool.connect();
  try {
    await client.query(BEGIN_WRITER);
    await client.query(importSnapshot(snapshotId));
  } catch (error) {
    client.release(error as Error);
    throw new Error(`could not join pg_dump's snapshot to record the file chunks the database references: ${(error as Error).message}`);
  }
  return {
    // Called once, right after pg_dump starts; it ends the transaction either way.
    record: async (backupId) => {
      try {
        const recorded = await recordIn(client, backupId);
        await client.query('COMMIT');
        client.release();
        return recorded;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release(error as Error);
        throw new Error(`could not record the file chunks the database references: ${(error as Error).message}`);
      }
    },
  };
}

async function recordIn(client: PoolClient, backupId: string): Promise<RecordedFileChunks | undefined> {
  const started = performance.now();
  const columns = (await hasChunksTable(client)) ? await presentReferenceColumns(client) : [];
  if (columns.length === 0) return undefined;
  const { rows } = await client.query<{ chunk_count: number }>(RECORD(columns), [backupId]);
  return {
    chunkCount: rows[0]?.chunk_count ?? 0,
    columns: columns.map((c) => `${c.table}.${c.column}`),
    durationMs: Math.round(performance.now() - started),
  };
}
