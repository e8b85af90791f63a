import { recordStoredEventRejected } from './record-rejection';
import type { EventDb, EventMetadata, RecordedEvent } from './types';
import { InvalidEventError, parseEvent } from './vocabulary';

/** A row as selected by sql.READ_STREAM / sql.READ_ALL (bigints and xid8 as text). */
export interface EventRow {
  global_position: string;
  transaction_id: string;
  stream_id: string;
  stream_version: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  occurred_at: Date;
  previous_hash: string | null;
  hash: string;
}

/** Decodes a row, validating its data against the vocabulary (InvalidEventError names the position). */
export function toRecordedEvent(row: EventRow): RecordedEvent {
  const event = parseEvent(row.type, row.data, `global position ${row.global_position}, stream "${row.stream_id}" version ${row.stream_version}`);
  return {
    ...event,
    globalPosition: BigInt(row.global_position),
    transactionId: row.transaction_id,
    streamId: row.stream_id,
    streamVersion: BigInt(row.stream_version),
    metadata: row.metadata,
    occurredAt: row.occurred_at,
    previousHash: row.previous_hash,
    hash: row.hash,
  } as RecordedEvent;
}

/**
 * Decodes rows, skipping each one that fails validation after recording it (StoredEventRejected,
 * once per event). The store's own appenders validate on write, so such a row was written around
 * them; one of them must not make the whole log unreadable for every reader, for good.
 */
export async function decodeRows(db: EventDb, rows: readonly EventRow[]): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (const row of rows) {
    try {
      events.push(toRecordedEvent(row));
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      await recordStoredEventRejected(db, row, error);
    }
  }
  return events;
}
