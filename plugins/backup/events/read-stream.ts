import { decodeRows, type EventRow } from './rows';
import * as sql from './sql';
import type { EventDb, RecordedEvent } from './types';

export interface ReadStreamOptions {
  /** Only events with a version greater than this (default 0: from the start). */
  afterVersion?: bigint | number;
  /** At most this many events (default: all). */
  limit?: number;
}

/**
 * A stream's events in version order, validated against the vocabulary (an invalid one is skipped
 * and recorded: see decodeRows); [] for a stream that
 * does not exist. Sees what the connection's snapshot sees (including the caller's own
 * uncommitted appends when given a PoolClient inside a transaction).
 */
export async function readStream(db: EventDb, streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
  const result = await db.query<EventRow>(sql.READ_STREAM, [streamId, String(options.afterVersion ?? 0), options.limit ?? null]);
  return decodeRows(db, result.rows);
}
