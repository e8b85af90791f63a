import { ConcurrencyError } from './errors';
import * as sql from './sql';
import { isPool, type EventDb, type ExpectedVersion, type NewEvent } from './types';
import { parseEvent } from './vocabulary';

export interface AppendOptions {
  /** Default `'any'`. See {@link ExpectedVersion}. */
  expectedVersion?: ExpectedVersion;
}

export interface AppendResult {
  /** The stream's version after the append: pass it as `expectedVersion` for the next one. */
  nextExpectedVersion: bigint;
  lastGlobalPosition: bigint;
}

const STREAM_ID = /^[^|]{1,200}$/;

/**
 * Appends events to one stream, all or none.
 *
 * Every event is validated against the vocabulary before anything is sent (InvalidEventError
 * names the type and field). The append is ONE statement (`cotton_backup.append_events`), so:
 * - given a Pool, it is its own transaction;
 * - given a PoolClient inside the caller's BEGIN, it joins that transaction: the events become
 *   visible, and count, only if the caller commits; until then other appenders to the same
 *   stream wait (a per-stream transaction lock), so keep such transactions short.
 *
 * @throws ConcurrencyError when the stream is not at `expectedVersion`, including when a
 *   concurrent appender won the race
 */
export async function appendToStream(
  db: EventDb,
  streamId: string,
  events: readonly NewEvent[],
  options: AppendOptions = {},
): Promise<AppendResult> {
  if (!STREAM_ID.test(streamId)) {
    throw new RangeError(`stream id must be 1 to 200 characters without '|', got ${JSON.stringify(streamId.slice(0, 220))}`);
  }
  if (events.length === 0) throw new RangeError(`appendToStream("${streamId}"): no events to append`);
  const expected = normalizeExpectedVersion(options.expectedVersion ?? 'any');
  const payload = events.map((event, index) => {
    const parsed = parseEvent(event.type, event.data, `event ${index + 1} of ${events.length} for stream "${streamId}"`);
    const metadata = event.metadata ?? {};
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new TypeError(`appendToStream("${streamId}"): metadata of event ${index + 1} must be a plain object`);
    }
    return { type: parsed.type, data: parsed.data, metadata };
  });

  let rows: { global_position: string; stream_version: string }[];
  try {
    const result = await db.query<{ global_position: string; stream_version: string }>(sql.APPEND_EVENTS, [
      streamId,
      expected === null ? null : expected.toString(),
      JSON.stringify(payload),
    ]);
    rows = result.rows;
  } catch (error) {
    throw await toConcurrencyError(db, error, streamId, expected);
  }
  const last = rows.at(-1);
  if (!last) throw new Error(`cotton_backup.append_events returned no rows for stream "${streamId}"`);
  return { nextExpectedVersion: BigInt(last.stream_version), lastGlobalPosition: BigInt(last.global_position) };
}

/** `null` = any; 0n = no stream; n = exactly n. */
function normalizeExpectedVersion(expected: ExpectedVersion): bigint | null {
  if (expected === 'any') return null;
  if (expected === 'no_stream') return 0n;
  if (typeof expected === 'number' && !Number.isSafeInteger(expected)) {
    throw new RangeError(`expectedVersion must be an integer, 'no_stream' or 'any', got ${expected}`);
  }
  const version = BigInt(expected);
  if (version < 0n) throw new RangeError(`expectedVersion must be >= 0 (0 = no stream), 'no_stream' or 'any', got ${version}`);
  return version;
}

interface PgError {
  code?: string;
  constraint?: string;
  detail?: string;
}

async function toConcurrencyError(db: EventDb, error: unknown, streamId: string, expected: bigint | null): Promise<unknown> {
  const pgError = error as PgError;
  if (pgError?.code === sql.SQLSTATE.wrongExpectedVersion) {
    let actual: bigint | undefined;
    try {
      actual = BigInt((JSON.parse(pgError.detail ?? '{}') as { actualVersion?: string }).actualVersion ?? '');
    } catch {
      actual = undefined;
    }
    return new ConcurrencyError(streamId, expected ?? 'any', actual, { cause: error });
  }
  if (pgError?.code === sql.SQLSTATE.uniqueViolation && pgError.constraint === sql.STREAM_VERSION_CONSTRAINT) {
    // Two appenders read the same version (possible when the caller's transaction is REPEATABLE READ
    // or SERIALIZABLE). A Pool's transaction has ended, so the current version can be looked up;
    // a client's transaction is aborted, so it cannot.
    let actual: bigint | undefined;
    if (isPool(db)) {
      actual = await db
        .query<{ version: string }>(sql.STREAM_VERSION, [streamId])
        .then((r) => BigInt(r.rows[0]?.version ?? '0'))
        .catch(() => undefined);
    }
    return new ConcurrencyError(streamId, expected ?? 'any', actual, { cause: error });
  }
  return error;
}
