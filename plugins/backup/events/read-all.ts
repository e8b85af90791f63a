import { decodeRows, type EventRow } from './rows';
import * as sql from './sql';
import type { EventDb, ReadAllCheckpoint, RecordedEvent } from './types';
import type { EventType } from './vocabulary';

export interface ReadAllOptions {
  /**
   * Where the previous read stopped: the `checkpoint` it returned. Undefined, null or 0n = from the
   * start. A bare global position is resolved to its event's checkpoint; it must be one this reader
   * returned (a position taken from readStream may belong to a transaction not yet safe to page past).
   */
  after?: ReadAllCheckpoint | bigint | null;
  /** Page size (default 1000). */
  limit?: number;
  /** Only these types (default: all). The checkpoint still advances only over returned events. */
  types?: readonly EventType[];
  /** Only streams whose id starts with this (default: all). */
  streamPrefix?: string;
}

export interface ReadAllPage {
  events: RecordedEvent[];
  /** Pass as `after` next time. Equals the input when nothing new was returned; null = still at the start. */
  checkpoint: ReadAllCheckpoint | null;
}

const START: ReadAllCheckpoint = { transactionId: '0', globalPosition: '0' };

/**
 * The global log in a stable order: (transaction id, global position), reading only events of
 * transactions that have ended (`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`).
 *
 * Global positions are taken at insert, not at commit, so a transaction that commits late can
 * hold positions lower than events already read. Reading by position alone would skip them;
 * this reader holds them back until every older transaction has ended, then returns them in
 * order: none skipped, none twice. The price: while any transaction that wrote (anything, in
 * this database) stays open, events of later transactions wait. Keep writing transactions short.
 *
 * Run it on a Pool or on a client outside a long transaction: in REPEATABLE READ the snapshot is
 * frozen and the reader would not advance.
 */
export async function readAll(db: EventDb, options: ReadAllOptions = {}): Promise<ReadAllPage> {
  const limit = options.limit ?? 1000;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`readAll: limit must be a positive integer, got ${limit}`);
  const after = await resolveCheckpoint(db, options.after);
  const from = after ?? START;
  const result = await db.query<EventRow>(sql.READ_ALL, [from.transactionId, from.globalPosition, limit, options.types ?? null, options.streamPrefix ?? null]);
  const events = await decodeRows(db, result.rows);
  const last = result.rows.at(-1);
  return {
    events,
    checkpoint: last ? { transactionId: last.transaction_id, globalPosition: last.global_position } : after,
  };
}

async function resolveCheckpoint(db: EventDb, after: ReadAllOptions['after']): Promise<ReadAllCheckpoint | null> {
  if (after === undefined || after === null || after === 0n) return null;
  if (typeof after === 'bigint') {
    const result = await db.query<{ transaction_id: string }>(sql.TRANSACTION_OF_POSITION, [after.toString()]);
    const row = result.rows[0];
    if (!row) {
      throw new RangeError(`readAll: no event at global position ${after}; pass the checkpoint {transactionId, globalPosition} readAll returned`);
    }
    return { transactionId: row.transaction_id, globalPosition: after.toString() };
  }
  if (!/^\d+$/.test(after.transactionId) || !/^\d+$/.test(after.globalPosition)) {
    throw new RangeError(`readAll: malformed checkpoint ${JSON.stringify(after)}`);
  }
  return after;
}
