-- Seals: one global chain of HMACs over the event log, keyed with a key derived from the master
-- key (src/keys/keys.ts, deriveEventSealKey). The key never reaches the database: seals are
-- computed and checked in the application (plugins/backup/events/seal-events.ts, verify-seals.ts).
--
-- Why: the per-stream SHA-256 chain of 001 is unkeyed. Whoever owns the table can disable its
-- triggers, edit an event and recompute its hash with cotton_backup.event_hash(), or delete a
-- stream's tail or a whole stream, and that chain still verifies. Without the key they cannot
-- produce a seal, so against this table `events verify` (with the master key) finds:
--   * a sealed event deleted (a stream's tail, a whole stream, any event): sealed_event_missing;
--   * a sealed event edited, its hash recomputed or not: sealed_event_changed;
--   * a seal deleted, edited, reordered or forged: seal_gap / seal_mismatch;
--   * events and seals cut back past the newest backup: that backup's manifest records the chain
--     head (eventSeal), and a log without it is behind_backup (unless this database was restored
--     after that backup: a Restored event the application appended and sealed, dated after the
--     backup's createdAtUtc);
--   * the seal table dropped while events remain: seals_missing.
-- It does not find: changes to events not sealed yet (appended in SQL, e.g. by
-- request_checkpoint(), and not sealed until the application's next append; a seal says the event
-- was in the log when sealed, not who wrote it); the newest events cut together with their seals
-- back to no earlier than the newest backup's chain head; cuts when the newest backup records no
-- head (Cotton's own job, an older plugin); anything done by someone who holds the master key.
--
-- Migration 001 says an edit made with the triggers disabled "is found by verification": with its
-- unkeyed chain alone it is not (see above); the seals below are what finds it.
--
-- Sealing takes a transaction-scoped advisory lock (sql.SEAL_LOCK) so that seals are numbered
-- one after the other; it runs inside the journal's own short transaction, never in a caller's.

create table cotton_backup.event_seals (
  -- 1, 2, 3, … with no gap: a missing number is a deleted seal.
  position       bigint primary key check (position >= 1),
  -- The sealed event. No foreign key: a deleted event must leave its seal behind to be found.
  event_position bigint not null unique,
  -- Copied from the event so that a deleted event can be named; covered by chain_mac.
  stream_id      text not null,
  stream_version bigint not null,
  -- True when the event was appended in the sealing transaction, by the application; false when the
  -- sealer found it already there (an SQL-side append, or anything an owner inserted). Covered by
  -- chain_mac: only an own append counts as evidence (the Restored event that excuses a database
  -- for being behind the newest backup).
  own_append     boolean not null,
  -- HMAC-SHA256(seal key, the event's canonical bytes), hex.
  event_mac      text not null check (event_mac ~ '^[0-9a-f]{64}$'),
  -- HMAC-SHA256(seal key, previous seal's chain_mac + this seal's fields), hex.
  chain_mac      text not null check (chain_mac ~ '^[0-9a-f]{64}$'),
  sealed_at      timestamptz not null default now(),
  -- The sealing statement's snapshot: every event it did not see belongs to a transaction it
  -- lists as in progress or to a later one (pg_snapshot_xip, >= pg_snapshot_xmax), so the next
  -- sealing looks only at those transaction ids (index lookups, not a scan of the whole log,
  -- however long another transaction on the server runs). A hint, not evidence: outside the
  -- MACs, and ignored when ahead of the current transaction id (a dump restored on another server).
  sealed_after   pg_snapshot not null
);

comment on table cotton_backup.event_seals is
  'HMAC chain over cotton_backup.events, keyed from the master key; see migration 011 for what it detects.';

create function cotton_backup.event_seals_refuse_change() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  raise exception 'cotton_backup.event_seals is append-only: % refused', tg_op
    using errcode = 'KB001',
          hint = 'seals are written by the application as events are appended; nothing edits them';
end
$$;

create trigger event_seals_refuse_update
  before update on cotton_backup.event_seals
  for each row execute function cotton_backup.event_seals_refuse_change();
create trigger event_seals_refuse_delete
  before delete on cotton_backup.event_seals
  for each row execute function cotton_backup.event_seals_refuse_change();
create trigger event_seals_refuse_truncate
  before truncate on cotton_backup.event_seals
  for each statement execute function cotton_backup.event_seals_refuse_change();

alter table cotton_backup.event_seals enable always trigger event_seals_refuse_update;
alter table cotton_backup.event_seals enable always trigger event_seals_refuse_delete;
alter table cotton_backup.event_seals enable always trigger event_seals_refuse_truncate;

comment on table cotton_backup.events is
  'Append-only event log of the backup plugin. Each row is hash-chained to its predecessor in its stream (unkeyed: '
  'it finds accidents, not an owner recomputing hashes) and sealed by an HMAC chain in cotton_backup.event_seals '
  '(keyed from the master key). `cotton-backup events verify` checks both; migration 011 lists what it finds.';
