import type pg from 'pg';
import type { BackupEvent, EventType } from './vocabulary';

/**
 * Where the store runs its SQL. A Pool runs each call on some connection, in its own transaction;
 * a PoolClient (or Client) runs it in whatever transaction the caller has open on that connection.
 */
export type EventDb = pg.Pool | pg.PoolClient | pg.Client;

/** Free-form, non-secret context (correlation ids, host name, ...). Stored as a JSON object. */
export type EventMetadata = Record<string, unknown>;

/** An event to append: a member of the vocabulary plus optional metadata. */
export type NewEvent = BackupEvent & { metadata?: EventMetadata };

/** An event as stored and read back; `data` has been validated against the vocabulary. */
export type RecordedEvent<T extends EventType = EventType> = {
  [K in T]: Extract<BackupEvent, { type: K }> & {
    globalPosition: bigint;
    /** Top-level id (xid8, as decimal text) of the transaction that appended it. */
    transactionId: string;
    streamId: string;
    /** 1-based position in its stream. */
    streamVersion: bigint;
    metadata: EventMetadata;
    occurredAt: Date;
    /** Hash of the predecessor in the same stream; null for version 1. */
    previousHash: string | null;
    hash: string;
  };
}[T];

/** A global reader's position: the last event read, as JSON-safe strings. Store it; pass it back as `after`. */
export interface ReadAllCheckpoint {
  transactionId: string;
  globalPosition: string;
}

/**
 * The version a stream must be at for an append to go ahead:
 * - `'any'`: no check;
 * - `'no_stream'` (or 0): the stream has no events yet;
 * - n >= 1: the stream's last event has version n.
 */
export type ExpectedVersion = bigint | number | 'no_stream' | 'any';

/** True for a pg.Pool (which runs each query on its own connection), false for a connected client. */
export function isPool(db: EventDb): db is pg.Pool {
  return 'totalCount' in db && 'idleCount' in db;
}
