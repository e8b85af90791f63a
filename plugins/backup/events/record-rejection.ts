import type { EventRow } from './rows';
import * as sql from './sql';
import { isPool, type EventDb } from './types';
import { parseEvent, type EventOf, type InvalidEventError } from './vocabulary';

const MAX_REASON = 4000;

/**
 * Records that a stored event failed validation on read (StoredEventRejected), once per event:
 * cotton_backup.record_stored_event_rejected() (migration 010) appends only when no record names
 * that global position, stream and version, so every later read of the same row is a no-op.
 *
 * On a Pool a failure to record is swallowed: the reader skips the event either way, and the
 * next read tries again. On a client it propagates, since the failed statement has aborted
 * whatever transaction the caller had open.
 */
export async function recordStoredEventRejected(db: EventDb, row: EventRow, error: InvalidEventError): Promise<void> {
  const event = storedEventRejected(row, error);
  const record = db.query(sql.RECORD_STORED_EVENT_REJECTED, [row.global_position, JSON.stringify(event.data)]);
  if (isPool(db)) await record.catch(() => undefined);
  else await record;
}

/** The StoredEventRejected that stands for a stored row which failed validation. */
export function storedEventRejected(row: Pick<EventRow, 'global_position' | 'stream_id' | 'stream_version' | 'type'>, error: InvalidEventError) {
  return parseEvent('StoredEventRejected', {
    globalPosition: row.global_position,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    rejectedType: row.type,
    reason: error.message.slice(0, MAX_REASON),
  }) as EventOf<'StoredEventRejected'>;
}
