/** SQL run by the event store's TypeScript side. Schema objects live in migrations/backup/001_event_store.sql. */

/** SQLSTATE raised by the store (class KB, implementation-defined). */
export const SQLSTATE = {
  appendOnly: 'KB001',
  missingPredecessor: 'KB002',
  wrongExpectedVersion: 'KB409',
  uniqueViolation: '23505',
  undefinedTable: '42P01',
  undefinedFunction: '42883',
  invalidSchemaName: '3F000',
} as const;

export const STREAM_VERSION_CONSTRAINT = 'events_stream_version_key';

/** $1 stream id, $2 expected version (null = any, 0 = no stream), $3 jsonb array of {type, data, metadata}. */
export const APPEND_EVENTS = `
  select global_position::text as global_position, stream_version::text as stream_version
    from cotton_backup.append_events($1::text, $2::bigint, $3::jsonb)`;

export const STREAM_VERSION = `
  select coalesce(max(stream_version), 0)::text as version from cotton_backup.events where stream_id = $1`;

const RECORDED_COLUMNS = `
  e.global_position::text as global_position,
  e.transaction_id::text  as transaction_id,
  e.stream_id,
  e.stream_version::text  as stream_version,
  e.type,
  e.data,
  e.metadata,
  e.occurred_at,
  e.previous_hash,
  e.hash`;

/** $1 stream id, $2 versions after this one, $3 limit (null = all). */
export const READ_STREAM = `
  select ${RECORDED_COLUMNS}
    from cotton_backup.events e
   where e.stream_id = $1 and e.stream_version > $2::bigint
   order by e.stream_version
   limit $3`;

/**
 * The global reader. Only transactions below the snapshot's xmin are read: every one of them has
 * ended, and every transaction still running or yet to start has a larger id, so the set of rows
 * at or before any returned (transaction_id, global_position) can never grow. Paging by that pair
 * (not by global_position alone, whose order differs from commit order) therefore never skips an
 * event that commits late, and never returns one twice.
 * $1 after transaction id, $2 after global position, $3 limit, $4 types (null = all).
 */
export const READ_ALL = `
  select ${RECORDED_COLUMNS}
    from cotton_backup.events e
   where e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
     and (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
     and ($4::text[] is null or e.type = any($4::text[]))
     and ($5::text is null or starts_with(e.stream_id, $5::text))
   order by e.transaction_id, e.global_position
   limit $3`;

/** $1 the rejected event's global position, $2 StoredEventRejected data; true when recorded now, false when it was already. */
export const RECORD_STORED_EVENT_REJECTED = `
  select cotton_backup.record_stored_event_rejected($1::bigint, $2::jsonb) as recorded`;

/** $1 global position. */
export const TRANSACTION_OF_POSITION = `
  select transaction_id::text as transaction_id from cotton_backup.events where global_position = $1::bigint`;

/**
 * Chain verification, page by page in (stream_id, stream_version) order; $1/$2 = last (stream, version)
 * seen, $3 = page size. Text forms are the hash input's (see cotton_backup.event_hash), so TypeScript
 * recomputes the hash without trusting any function stored in the database.
 */
export const VERIFY_PAGE = `
  select e.global_position::text as global_position,
         e.stream_id,
         e.stream_version::text as stream_version,
         e.type,
         e.data::text as data_text,
         e.metadata::text as metadata_text,
         to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as occurred_at_text,
         e.previous_hash,
         e.hash
    from cotton_backup.events e
   where (e.stream_id, e.stream_version) > ($1::text, $2::bigint)
   order by e.stream_id, e.stream_version
   limit $3`;

export const BEGIN_SNAPSHOT = 'begin isolation level repeatable read read only';
export const COMMIT = 'commit';
export const ROLLBACK = 'rollback';

/**
 * Every committed event in position order, for a reader that has locked out appends first
 * (LOCK_AGAINST_APPENDS): with nothing in flight, position order is commit order.
 */
export const READ_ALL_LOCKED = `
  select ${RECORDED_COLUMNS}
    from cotton_backup.events e
   where e.global_position > $1::bigint
   order by e.global_position
   limit $2`;

/** Waits for in-flight appends to end and holds new ones until the transaction ends. */
export const LOCK_AGAINST_APPENDS = 'lock table cotton_backup.events in share mode';

export const EVENT_STORE_PRESENT = "SELECT to_regclass('cotton_backup.events') IS NOT NULL AS present";

/**
 * Whether cotton_backup and its events table are ours (the schema owned by our role, the table an
 * ordinary table of the schema's owner): the check the restore marker makes. A store someone else
 * made is never read (a view there could run their functions with our privileges).
 */
export const EVENT_STORE_OURS = `
  SELECT n.nspowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
         AND coalesce(c.relkind = 'r' AND c.relowner = n.nspowner, false) AS ours
    FROM pg_namespace n
    LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = 'events'
   WHERE n.nspname = 'cotton_backup'`;

/**
 * Restored events keep the transaction ids (xid8) of the server that wrote them. On another
 * server those may be at or above the current xid, and the global reader (events/read-all.ts:
 * `transaction_id < pg_snapshot_xmin(pg_current_snapshot())`) would hide them until this server's
 * xids caught up — possibly forever for practical purposes. True when a rebase is needed.
 */
export const TRANSACTION_IDS_AHEAD = `
  SELECT coalesce(max(transaction_id) >= pg_current_xact_id(), false) AS ahead FROM cotton_backup.events`;

/**
 * Moves every restored event's transaction_id below this transaction's own xid, keeping their
 * order: the k distinct source xids map, in order, onto 3, 4, … (3 = FirstNormalTransactionId).
 * When k does not fit below the current xid (a young server, a long history), they are spread
 * monotonically over 3 … current−1, so some neighbours share an id and read in global_position
 * order — fine for history whose transactions have all ended. The hash chain does not include
 * transaction_id (cotton_backup.event_hash), so verification is unaffected.
 * Run inside one transaction with the update trigger disabled (it refuses every UPDATE).
 */
export const REBASE_TRANSACTION_IDS = `
  WITH k AS (SELECT count(DISTINCT transaction_id)::numeric AS n,
                    (pg_current_xact_id()::text::numeric - 4) AS room
               FROM cotton_backup.events),
       ranked AS (SELECT global_position,
                         dense_rank() OVER (ORDER BY transaction_id)::numeric - 1 AS r
                    FROM cotton_backup.events)
  UPDATE cotton_backup.events e
     SET transaction_id = (3 + floor(ranked.r * least(k.n, k.room) / k.n))::text::xid8
    FROM ranked, k
   WHERE e.global_position = ranked.global_position`;
export const DISABLE_EVENTS_UPDATE_GUARD = 'ALTER TABLE cotton_backup.events DISABLE TRIGGER events_refuse_update';
/** ALWAYS, as migration 001 left it: a plain ENABLE would let it skip under session_replication_role = replica. */
export const ENABLE_EVENTS_UPDATE_GUARD = 'ALTER TABLE cotton_backup.events ENABLE ALWAYS TRIGGER events_refuse_update';

/** Every event of a store about to be replaced by pg_restore --clean, stream by stream. */
export const EVENTS_TO_CARRY = `
  SELECT global_position::text AS global_position, stream_id, stream_version::text AS stream_version, type, data, metadata,
         to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at
    FROM cotton_backup.events ORDER BY stream_id, stream_version`;

/** Whether a stream has any event (a restore whose stream is recorded is over). */
export const STREAM_EXISTS = 'SELECT EXISTS (SELECT 1 FROM cotton_backup.events WHERE stream_id = $1) AS recorded';

/** A backup's requests: the streams of the request ids its history row names, in global order. */
export const REQUESTS_OF_BACKUP = `
  select ${RECORDED_COLUMNS}
    from cotton_backup.events e
   where e.stream_id = any (select 'request-' || unnest(request_ids) from cotton_backup.backup_history where backup_id = $1)
   order by e.global_position`;

/** The newest $1 events, newest first. */
/**
 * Newest first, before global position $1 (null: from the newest), $2 at most, of types $3 and
 * streams starting with $4 (null: any). By position alone: a view of the recent log, not a reader
 * that must never skip a late commit (READ_ALL is that).
 */
export const READ_NEWEST = `
  select ${RECORDED_COLUMNS}
    from cotton_backup.events e
   where ($1::bigint is null or e.global_position < $1::bigint)
     and ($3::text[] is null or e.type = any($3::text[]))
     and ($4::text is null or starts_with(e.stream_id, $4::text))
   order by e.global_position desc
   limit $2`;

export const LAST_EVENTS = `
  select ${RECORDED_COLUMNS}
    from cotton_backup.events e
   order by e.global_position desc
   limit $1`;

/** Event columns in the text forms a seal covers (seal-mac.ts); `e` is cotton_backup.events. */
const SEALABLE_COLUMNS = `
  e.global_position::text as global_position,
  e.stream_id,
  e.stream_version::text  as stream_version,
  e.type,
  e.data::text            as data_text,
  e.metadata::text        as metadata_text,
  to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as occurred_at_text`;

/** Numbers seals one after another: held by the sealing transaction until it ends. */
export const SEAL_LOCK = "select pg_advisory_xact_lock(hashtextextended('cotton_backup.event_seals', 0))";

/**
 * Every visible event without a seal, with the current chain head on each row. An event the last
 * sealing did not see is of a transaction in its snapshot's in-progress list or a later one
 * (migration 011, event_seals.sealed_after), or of ours; only those transaction ids are looked
 * up. With no usable snapshot (no seal yet, or one from another server's xids) every event is.
 * Run after SEAL_LOCK, in a later statement, so the head is the latest.
 */
export const UNSEALED_EVENTS = `
  with head as (select s.position, s.chain_mac, s.sealed_after from cotton_backup.event_seals s order by s.position desc limit 1),
       since as (select pg_snapshot_xmax(h.sealed_after) as xmax, array(select pg_snapshot_xip(h.sealed_after)) as xip
                   from head h where pg_snapshot_xmax(h.sealed_after) <= pg_current_xact_id())
  select (select position::text from head) as head_position,
         (select chain_mac from head) as head_mac,
         pg_current_snapshot()::text as sealed_after,
         coalesce(e.transaction_id = pg_current_xact_id_if_assigned(), false) as own_append,
         ${SEALABLE_COLUMNS}
    from cotton_backup.events e
   where e.global_position = any (array(
           select c.global_position from cotton_backup.events c where not exists (select 1 from since)
           union
           select c.global_position from cotton_backup.events c where c.transaction_id >= (select xmax from since)
           union
           select c.global_position from cotton_backup.events c where c.transaction_id = any ((select xip from since)::xid8[])
           union
           select c.global_position from cotton_backup.events c where c.transaction_id = pg_current_xact_id_if_assigned()))
     -- An array and OFFSET 0: without statistics on xid8 ranges PostgreSQL guesses a third of the
     -- log as candidates and would scan it, or hash every seal, on each append; this way each
     -- candidate is one index probe.
     and not exists (select 1 from cotton_backup.event_seals s where s.event_position = e.global_position offset 0)
   order by e.global_position`;

/** $1..$7 parallel arrays: position, event position, stream id, stream version, own append, event mac, chain mac; $8 the snapshot. */
export const INSERT_SEALS = `
  insert into cotton_backup.event_seals (position, event_position, stream_id, stream_version, own_append, event_mac, chain_mac, sealed_after)
  select u.*, $8::pg_snapshot from unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::boolean[], $6::text[], $7::text[]) as u`;

export const SEAL_HEAD = `
  select s.position::text as position, s.chain_mac from cotton_backup.event_seals s order by s.position desc limit 1`;

export const SEALS_PRESENT = "SELECT to_regclass('cotton_backup.event_seals') IS NOT NULL AS present";

/** Seals after position $1 with the events they name (absent when deleted), $2 per page. */
export const VERIFY_SEALS_PAGE = `
  select s.position::text as position, s.event_position::text as event_position,
         s.stream_id as seal_stream_id, s.stream_version::text as seal_stream_version,
         s.own_append, s.event_mac, s.chain_mac,
         e.global_position is not null as present,
         ${SEALABLE_COLUMNS}
    from cotton_backup.event_seals s
    left join cotton_backup.events e on e.global_position = s.event_position
   where s.position > $1::bigint
   order by s.position
   limit $2`;

export const UNSEALED_COUNT = `
  select count(*)::int as n from cotton_backup.events e
   where not exists (select 1 from cotton_backup.event_seals s where s.event_position = e.global_position)`;

/** $1 seal position. */
export const SEAL_AT = 'select chain_mac from cotton_backup.event_seals where position = $1::bigint';

/** The newest Restored event that is sealed (an unsealed one proves nothing). */
export const LAST_SEALED_RESTORE = `
  select e.data ->> 'backupId' as backup_id, e.occurred_at
    from cotton_backup.events e
    join cotton_backup.event_seals s on s.event_position = e.global_position
   where e.type = 'Restored' and s.own_append
   order by e.occurred_at desc
   limit 1`;
