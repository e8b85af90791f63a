import type { Pool } from 'pg';
import { ConcurrencyError } from './errors';
import type { AppendOptions } from './append-to-stream';
import type { NewEvent } from './types';
import { storedEventRejected } from './record-rejection';
import { EVENTS_TO_CARRY, EVENT_STORE_OURS } from './sql';
import { InvalidEventError, parseEvent } from './vocabulary';

interface CarriedRow {
  global_position: string;
  stream_id: string;
  stream_version: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  occurred_at: string;
}

/** Events of one stream, held across a restore. */
export interface CarriedStream {
  streamId: string;
  events: NewEvent[];
}

/**
 * A Cotton-empty database may already hold our event store: a refused startup recorded why
 * there, and the operator now retries (say with COTTON_RESTORE_FALLBACK=previous).
 * pg_restore --clean replaces that store with the dump's, so its events are read first and
 * appended again afterwards, marked `carriedOver` with their original time. Returns [] when
 * there is no store, or one that is not ours (a schema or table another role made is never read).
 */
export async function readEventsToCarry(pool: Pool): Promise<CarriedStream[]> {
  const { rows: store } = await pool.query<{ ours: boolean }>(EVENT_STORE_OURS);
  if (!store[0]?.ours) return [];
  const { rows } = await pool.query<CarriedRow>(EVENTS_TO_CARRY);
  const streams = new Map<string, NewEvent[]>();
  const rejected = new Map<string, NewEvent>();
  for (const row of rows) {
    const metadata = { ...row.metadata, carriedOver: true, originalOccurredAt: row.occurred_at };
    try {
      parseEvent(row.type, row.data);
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      // Appending it again would fail the restore after pg_restore --clean: carry its record instead.
      rejected.set(`stored-event-rejected-${row.global_position}`, { ...storedEventRejected(row, error), metadata });
      continue;
    }
    const events = streams.get(row.stream_id) ?? [];
    events.push({ type: row.type, data: row.data, metadata } as NewEvent);
    streams.set(row.stream_id, events);
  }
  // A record the old store held already is carried as its stream; another would repeat it.
  for (const [streamId, event] of rejected) if (!streams.has(streamId)) streams.set(streamId, [event]);
  return [...streams].map(([streamId, events]) => ({ streamId, events }));
}

/**
 * Appends the carried streams the restored store does not have; a stream that exists (it was
 * in the dump too, or a retry already carried it) is left alone. Returns the streams appended.
 */
/** What carrying events over needs of the journal (projections/journal.ts): appending, projections applied. */
export interface EventAppender {
  append(streamId: string, events: readonly NewEvent[], options?: AppendOptions): Promise<void>;
}

export async function appendCarriedEvents(journal: EventAppender, carried: readonly CarriedStream[]): Promise<string[]> {
  const appended: string[] = [];
  for (const stream of carried) {
    try {
      await journal.append(stream.streamId, stream.events, { expectedVersion: 'no_stream' });
      appended.push(stream.streamId);
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
  }
  return appended;
}
