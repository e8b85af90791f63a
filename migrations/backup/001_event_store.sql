-- The backup plugin's event store: an append-only log of facts, one hash chain per stream.
--
-- Why per-stream chains and not one global chain: a global chain would make every append wait
-- for the previous one to commit (each hash needs its predecessor), serializing all writers,
-- including SQL-side appends made inside a caller's possibly long transaction.
--
-- Error codes raised here (class KB, implementation-defined; see plugins/backup/events/sql.ts):
--   KB001  the table is append-only (UPDATE, DELETE, TRUNCATE refused)
--   KB002  a stream version was inserted without its predecessor
--   KB409  optimistic concurrency: the stream is not at the expected version

create schema if not exists cotton_backup;

create table cotton_backup.events (
  -- Identity rather than bigserial: an explicit position is refused unless OVERRIDING SYSTEM VALUE.
  global_position bigint generated always as identity primary key,
  -- The appending transaction (top-level xid, epoch-extended). Global readers page by
  -- (transaction_id, global_position) so that a transaction that commits late is never skipped.
  -- Forced by the insert trigger: a caller cannot forge it.
  transaction_id  xid8 not null default pg_current_xact_id(),
  -- No '|' in stream ids and a restricted alphabet for types keep the hash input unambiguous.
  stream_id       text not null check (length(stream_id) between 1 and 200 and position('|' in stream_id) = 0),
  stream_version  bigint not null check (stream_version >= 1),
  type            text not null check (type ~ '^[A-Za-z][A-Za-z0-9_.]{0,99}$'),
  data            jsonb not null check (jsonb_typeof(data) = 'object'),
  metadata        jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object'),
  occurred_at     timestamptz not null default now(),
  -- Hash of the predecessor in the same stream; null exactly for version 1.
  previous_hash   text check (previous_hash ~ '^[0-9a-f]{64}$'),
  hash            text not null check (hash ~ '^[0-9a-f]{64}$'),
  constraint events_stream_version_key unique (stream_id, stream_version),
  constraint events_previous_hash_presence check ((stream_version = 1) = (previous_hash is null))
);

comment on table cotton_backup.events is
  'Append-only event log of the backup plugin. Each row is hash-chained to its predecessor in the same stream; '
  'run `cotton-backup events verify` to check the chains.';

-- Global reads (readAll): ordered and paged by (transaction_id, global_position).
create index events_transaction_position_idx on cotton_backup.events (transaction_id, global_position);
-- "Latest event of type X" and per-type scans for projections.
create index events_type_position_idx on cotton_backup.events (type, global_position);

-- The canonical hash input. Verification (plugins/backup/events/verify-chain.ts) recomputes it in
-- TypeScript from the same text forms, independently of this function: jsonb::text is PostgreSQL's
-- canonical rendering, and occurred_at is rendered in UTC with microseconds, whatever the session time zone.
create function cotton_backup.event_hash(
  previous_hash text, stream_id text, stream_version bigint, type text, data jsonb, metadata jsonb, occurred_at timestamptz
) returns text
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select encode(sha256(convert_to(concat_ws('|',
    coalesce(previous_hash, ''),
    stream_id,
    stream_version::text,
    type,
    data::text,
    metadata::text,
    to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  ), 'UTF8')), 'hex')
$$;

-- Sets transaction_id, previous_hash and hash on every insert, whoever inserts (TypeScript or SQL).
create function cotton_backup.events_before_insert() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_previous text;
begin
  new.transaction_id := pg_current_xact_id();
  if new.stream_version = 1 then
    new.previous_hash := null;
  else
    select e.hash into v_previous
      from cotton_backup.events e
     where e.stream_id = new.stream_id and e.stream_version = new.stream_version - 1;
    if not found then
      raise exception 'cotton_backup.events: cannot append version % of stream "%": version % is missing',
          new.stream_version, new.stream_id, new.stream_version - 1
        using errcode = 'KB002',
              hint = 'append with cotton_backup.append_events() / append_event(), which number versions consecutively';
    end if;
    new.previous_hash := v_previous;
  end if;
  new.hash := cotton_backup.event_hash(
    new.previous_hash, new.stream_id, new.stream_version, new.type, new.data, new.metadata, new.occurred_at);
  return new;
end
$$;

create trigger events_before_insert
  before insert on cotton_backup.events
  for each row execute function cotton_backup.events_before_insert();

-- Immutability. A superuser can still bypass these (ALTER TABLE ... DISABLE TRIGGER), which is why
-- the hash chain exists: an edit made that way is found by verification.
create function cotton_backup.events_refuse_change() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  raise exception 'cotton_backup.events is append-only: % refused', tg_op
    using errcode = 'KB001',
          hint = 'events are facts; record a new event that corrects or supersedes the old one';
end
$$;

create trigger events_refuse_update
  before update on cotton_backup.events
  for each row execute function cotton_backup.events_refuse_change();
create trigger events_refuse_delete
  before delete on cotton_backup.events
  for each row execute function cotton_backup.events_refuse_change();
create trigger events_refuse_truncate
  before truncate on cotton_backup.events
  for each statement execute function cotton_backup.events_refuse_change();

-- ALWAYS: also fire under session_replication_role = replica (only DISABLE TRIGGER bypasses them).
alter table cotton_backup.events enable always trigger events_refuse_update;
alter table cotton_backup.events enable always trigger events_refuse_delete;
alter table cotton_backup.events enable always trigger events_refuse_truncate;

-- Appends events to one stream with optimistic concurrency, atomically (one statement).
--   p_expected_version: null = any version; 0 = the stream must not exist yet; n = the stream's
--   last version must be n. A mismatch raises KB409 with a JSON detail
--   {"streamId", "expectedVersion", "actualVersion"}.
--   p_events: a non-empty JSON array of {"type", "data", "metadata"?}.
-- Appenders to one stream take turns on a transaction-scoped advisory lock, so under READ COMMITTED
-- the second one sees the first one's events and gets KB409 rather than a unique violation
-- (callers in REPEATABLE READ / SERIALIZABLE can still get 23505 or 40001).
create function cotton_backup.append_events(p_stream_id text, p_expected_version bigint, p_events jsonb)
returns table (global_position bigint, stream_version bigint)
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
  v_current bigint;
  v_event jsonb;
begin
  if p_stream_id is null then
    raise exception 'cotton_backup.append_events: stream id is null' using errcode = 'invalid_parameter_value';
  end if;
  if p_events is null or jsonb_typeof(p_events) <> 'array' or jsonb_array_length(p_events) = 0 then
    raise exception 'cotton_backup.append_events: events must be a non-empty JSON array' using errcode = 'invalid_parameter_value';
  end if;
  perform pg_advisory_xact_lock(hashtextextended('cotton_backup.events/' || p_stream_id, 0));
  select coalesce(max(e.stream_version), 0) into v_current
    from cotton_backup.events e where e.stream_id = p_stream_id;
  if p_expected_version is not null and p_expected_version <> v_current then
    raise exception 'stream "%" is at version %, expected version %', p_stream_id, v_current, p_expected_version
      using errcode = 'KB409',
            detail = json_build_object('streamId', p_stream_id,
                                       'expectedVersion', p_expected_version::text,
                                       'actualVersion', v_current::text)::text,
            hint = 'read the stream again and decide whether the append still applies';
  end if;
  for v_event in
    select x.value from jsonb_array_elements(p_events) with ordinality as x(value, n) order by x.n
  loop
    v_current := v_current + 1;
    insert into cotton_backup.events as e (stream_id, stream_version, type, data, metadata)
    values (p_stream_id, v_current, v_event ->> 'type', v_event -> 'data', coalesce(v_event -> 'metadata', '{}'::jsonb))
    returning e.global_position, e.stream_version into global_position, stream_version;
    return next;
  end loop;
end
$$;

-- One event; for SQL-side appenders (e.g. cotton_backup.request_checkpoint()).
create function cotton_backup.append_event(
  p_stream_id text, p_expected_version bigint, p_type text, p_data jsonb, p_metadata jsonb default '{}'
) returns table (global_position bigint, stream_version bigint)
language sql volatile
set search_path = pg_catalog, pg_temp
as $$
  select a.global_position, a.stream_version
    from cotton_backup.append_events(p_stream_id, p_expected_version,
           jsonb_build_array(jsonb_build_object('type', p_type, 'data', p_data,
                                                'metadata', coalesce(p_metadata, '{}'::jsonb)))) as a
$$;
