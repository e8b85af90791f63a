import { decodeRows, type EventRow } from './rows';
import * as sql from './sql';
import type { EventDb, RecordedEvent } from './types';
import type { EventType } from './vocabulary';

export interface ReadNewestOptions {
  /** Only events below this global position (the previous page's last); default from the newest. */
  before?: bigint;
  limit: number;
  types?: readonly EventType[];
  streamPrefix?: string;
}

export interface ReadNewestPage {
  events: RecordedEvent[];
  /** Pass as `before` for the next (older) page; null when this page reached the oldest event. */
  nextBefore: bigint | null;
}

/**
 * The log newest first, paged back by global position: what a person reads (the admin page).
 * Validated like every read (an invalid event is skipped and recorded), so a page may be short.
 */
export async function readNewest(db: EventDb, options: ReadNewestOptions): Promise<ReadNewestPage> {
  const { rows } = await db.query<EventRow>(sql.READ_NEWEST, [options.before?.toString() ?? null, options.limit, options.types ?? null, options.streamPrefix ?? null]);
  // The next page starts below the last row read, not the last kept: a skipped row is not read again.
  const last = rows.length === options.limit ? rows.at(-1) : undefined;
  return { events: await decodeRows(db, rows), nextBefore: last ? BigInt(last.global_position) : null };
}
