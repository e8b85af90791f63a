/**
 * A deterministic, Cotton-shaped database for the benchmarks (COTTON.md §5 tables plus bulk
 * tables shaped like Cotton's file metadata), generated server-side with generate_series and
 * md5/sha256 expressions: the same `files` count always yields the same rows.
 *
 * Every bulk row is numbered by `seq` (its generate_series value), and `created_at` encodes it
 * as BASE + seq seconds, so the "day of changes" can choose rows deterministically by seq
 * (clustered runs of neighbouring rows, like a user deleting a folder) or by a hash of the id
 * (scattered uniformly, the worst case for content-defined chunking).
 */
import type { Pool, PoolClient } from 'pg';

/** Rows per `files` unit (per file): see `rowCounts`. */
export const DATASET_SCHEMA = `
  CREATE EXTENSION IF NOT EXISTS citext;
  CREATE EXTENSION IF NOT EXISTS hstore;
  CREATE TABLE "__EFMigrationsHistory" ("MigrationId" varchar(150) PRIMARY KEY, "ProductVersion" varchar(32) NOT NULL);
  CREATE TABLE users (
    id uuid PRIMARY KEY, username citext NOT NULL UNIQUE, role integer NOT NULL,
    created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
  CREATE TABLE server_settings (id uuid PRIMARY KEY, timezone text NOT NULL, instance_id uuid NOT NULL);
  CREATE TABLE notifications (
    id uuid PRIMARY KEY, title text NOT NULL, content text, read_at timestamptz, metadata hstore,
    user_id uuid NOT NULL, priority integer NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
  CREATE TABLE chunks (hash bytea PRIMARY KEY, size_bytes integer NOT NULL, stored_size_bytes integer NOT NULL,
    created_at timestamptz NOT NULL);
  CREATE TABLE file_manifests (id uuid PRIMARY KEY, content_hash bytea NOT NULL, size_bytes bigint NOT NULL,
    content_type text NOT NULL, created_at timestamptz NOT NULL);
  CREATE TABLE file_manifest_chunks (file_manifest_id uuid NOT NULL, chunk_order integer NOT NULL, chunk_hash bytea NOT NULL,
    PRIMARY KEY (file_manifest_id, chunk_order));
  CREATE TABLE nodes (id uuid PRIMARY KEY, parent_id uuid, owner_id uuid NOT NULL, name citext NOT NULL,
    file_manifest_id uuid, created_at timestamptz NOT NULL);
`;

/** Foreign keys and their indexes, added after the bulk load (as pg_restore does). */
const CONSTRAINTS = [
  `ALTER TABLE notifications ADD FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE RESTRICT`,
  `ALTER TABLE file_manifest_chunks ADD FOREIGN KEY (file_manifest_id) REFERENCES file_manifests(id)`,
  `ALTER TABLE file_manifest_chunks ADD FOREIGN KEY (chunk_hash) REFERENCES chunks(hash)`,
  `ALTER TABLE nodes ADD FOREIGN KEY (parent_id) REFERENCES nodes(id)`,
  `ALTER TABLE nodes ADD FOREIGN KEY (owner_id) REFERENCES users(id)`,
  `ALTER TABLE nodes ADD FOREIGN KEY (file_manifest_id) REFERENCES file_manifests(id)`,
  // EF Core indexes every foreign key column, as Cotton's schema does; without them a delete of
  // a file manifest scans every node (and the day of changes turns quadratic).
  `CREATE INDEX nodes_parent_idx ON nodes (parent_id)`,
  `CREATE INDEX nodes_owner_idx ON nodes (owner_id)`,
  `CREATE INDEX nodes_file_manifest_idx ON nodes (file_manifest_id)`,
  `CREATE INDEX file_manifest_chunks_chunk_idx ON file_manifest_chunks (chunk_hash)`,
  `CREATE INDEX notifications_user_idx ON notifications (user_id, created_at)`,
];

export const ADMIN_ID = '00000000-0000-4000-8000-000000000001';
const BASE = `timestamptz '2025-01-01 00:00:00+00'`;
/** seq of a row from its created_at. */
const SEQ = `extract(epoch from (created_at - ${BASE}))::bigint`;

/** Users are owners of files: one per USER_EVERY files (at least a handful). */
const USER_EVERY = 500;
/** A node is a folder every FOLDER_EVERY; files live in the folder that starts their run. */
const FOLDER_EVERY = 50;
/** One notification per NOTIFICATION_EVERY files. */
const NOTIFICATION_EVERY = 4;

export interface RowRange {
  /** First file seq (inclusive). */
  from: number;
  /** Last file seq (exclusive). */
  to: number;
}

function userCount(files: number): number {
  return Math.max(3, Math.ceil(files / USER_EVERY));
}

/**
 * Inserts the bulk rows for file seqs [from, to): file manifests, 1–3 chunk references each
 * (a file's third chunk is its successor's first: shared chunks, as deduplication makes them),
 * the chunks, nodes (folders and files), users and notifications in proportion.
 */
async function insertRange(db: Pool | PoolClient, { from, to }: RowRange, totalFiles: number): Promise<void> {
  const users = userCount(totalFiles);
  const userFrom = Math.ceil(from / USER_EVERY);
  const userTo = Math.ceil(to / USER_EVERY);
  if (userTo > userFrom) {
    await db.query(
      `INSERT INTO users (id, username, role, created_at, updated_at)
         SELECT md5('u' || i)::uuid, 'user-' || i || '@' || substr(md5('d' || (i % 97)), 1, 8) || '.example', 1,
                ${BASE} + i * interval '${USER_EVERY} seconds', ${BASE} + i * interval '${USER_EVERY} seconds'
           FROM generate_series($1::bigint, $2::bigint) i
          WHERE i > 0`,
      [userFrom, userTo - 1],
    );
  }
  const owner = (n: string) => `CASE WHEN ${n} % ${users} = 0 THEN '${ADMIN_ID}'::uuid ELSE md5('u' || (${n} % ${users}))::uuid END`;
  await db.query(
    `INSERT INTO chunks (hash, size_bytes, stored_size_bytes, created_at)
       SELECT sha256(('c' || i)::text::bytea), CASE WHEN i % 7 = 0 THEN 4194304 ELSE 1048576 END,
              400000 + (hashtext('s' || i) & 1048575) % 600000, ${BASE} + (i / 2) * interval '1 second'
         FROM generate_series($1::bigint * 2, $2::bigint * 2 + 1) i`,
    [from, to - 1],
  );
  await db.query(
    `INSERT INTO file_manifests (id, content_hash, size_bytes, content_type, created_at)
       SELECT md5('f' || i)::uuid, sha256(('f' || i)::text::bytea), 1024 + (hashtext('z' || i) & 268435455),
              (ARRAY['application/octet-stream', 'image/jpeg', 'image/png', 'application/pdf', 'text/plain', 'video/mp4'])[1 + i % 6],
              ${BASE} + i * interval '1 second'
         FROM generate_series($1::bigint, $2::bigint) i`,
    [from, to - 1],
  );
  await db.query(
    `INSERT INTO file_manifest_chunks (file_manifest_id, chunk_order, chunk_hash)
       SELECT md5('f' || i)::uuid, j, sha256(('c' || (2 * i + j))::text::bytea)
         FROM generate_series($1::bigint, $2::bigint) i, generate_series(0, 2) j
        WHERE j <= i % 3 AND 2 * i + j < 2 * $3::bigint`,
    [from, to - 1, to],
  );
  await db.query(
    `INSERT INTO nodes (id, parent_id, owner_id, name, file_manifest_id, created_at)
       SELECT md5('n' || i)::uuid,
              CASE WHEN i % ${FOLDER_EVERY} = 0 THEN NULL ELSE md5('n' || (i - i % ${FOLDER_EVERY}))::uuid END,
              ${owner('i')},
              CASE WHEN i % ${FOLDER_EVERY} = 0 THEN 'Folder ' || (i / ${FOLDER_EVERY})
                   ELSE (ARRAY['IMG_', 'report-', 'scan ', 'Invoice_', 'notes-'])[1 + i % 5] || substr(md5('name' || i), 1, (6 + i % 10)::int)
                        || (ARRAY['.jpg', '.pdf', '.png', '.txt', '.mp4', '.docx'])[1 + i % 6] END,
              CASE WHEN i % ${FOLDER_EVERY} = 0 THEN NULL ELSE md5('f' || i)::uuid END,
              ${BASE} + i * interval '1 second'
         FROM generate_series($1::bigint, $2::bigint) i`,
    [from, to - 1],
  );
  await db.query(
    `INSERT INTO notifications (id, title, content, read_at, metadata, user_id, priority, created_at, updated_at)
       SELECT md5('m' || i)::uuid,
              (ARRAY['File shared with you', 'Upload completed', 'Storage almost full', 'New sign-in'])[1 + i % 4],
              'Notification ' || i || ': ' || repeat(substr(md5('t' || i), 1, 16), (1 + i % 4)::int),
              CASE WHEN i % 3 = 0 THEN NULL ELSE ${BASE} + (i + 3600) * interval '${NOTIFICATION_EVERY} seconds' END,
              hstore(ARRAY['kind', 'nodeId', 'i18n.titleKey'],
                     ARRAY['share', md5('n' || (i * ${NOTIFICATION_EVERY}))::uuid::text, 'notifications:file.shared.title']),
              ${owner('(i * 7)')},
              i % 4, ${BASE} + i * interval '${NOTIFICATION_EVERY} seconds', ${BASE} + i * interval '${NOTIFICATION_EVERY} seconds'
         FROM generate_series($1::bigint, $2::bigint) i`,
    [Math.ceil(from / NOTIFICATION_EVERY), Math.ceil(to / NOTIFICATION_EVERY) - 1],
  );
}

/** Creates the schema and `files` units of rows; returns the database size in bytes. */
export async function generateDataset(pool: Pool, files: number): Promise<number> {
  await pool.query(DATASET_SCHEMA);
  await pool.query(`
    INSERT INTO "__EFMigrationsHistory" VALUES ('20260101000000_Initial', '9.0.0'), ('20260301000000_Notifications', '9.0.0');
    INSERT INTO users (id, username, role, created_at, updated_at) VALUES ('${ADMIN_ID}', 'Admin', 2, ${BASE}, ${BASE});
    INSERT INTO server_settings VALUES ('00000000-0000-4000-8000-0000000000aa', 'Europe/Berlin', '00000000-0000-4000-8000-0000000000bb');`);
  // Two parallel loaders would fight the benchmark's two cores for nothing: one range at a time.
  const step = 200_000;
  for (let from = 0; from < files; from += step) await insertRange(pool, { from, to: Math.min(files, from + step) }, files);
  for (const statement of CONSTRAINTS) await pool.query(statement);
  await pool.query('VACUUM ANALYZE');
  return databaseSize(pool);
}

export async function databaseSize(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ size: string }>('SELECT pg_database_size(current_database()) AS size');
  return Number(rows[0]!.size);
}

export type ChangePattern = 'clustered' | 'scattered';

export interface DayOfChanges {
  pattern: ChangePattern;
  inserted: number;
  updated: number;
  deleted: number;
  /** Live rows in the bulk tables before the changes. */
  rowsBefore: number;
}

/**
 * A day of changes on a database made by generateDataset(files): 2 % new rows appended across
 * the tables (file seqs [files, files × 1.02)), 0.1 % of rows updated (renamed nodes, read
 * notifications, users' updated_at) and 0.5 % deleted (files with their nodes and chunk lists,
 * notifications). Deterministic. `clustered` chooses rows by runs of neighbouring seqs
 * (a folder deleted, a batch of notifications read: what a day on a file cloud looks like);
 * `scattered` chooses them by a hash of the id, spreading single-row changes uniformly over
 * every table (the worst case for chunk reuse). Returns the affected row counts.
 */
export async function applyDayOfChanges(pool: Pool, files: number, pattern: ChangePattern): Promise<{ change: DayOfChanges; files: number }> {
  const rowsBefore = await bulkRowCount(pool);
  // Only nodes, file manifests, notifications and users change in place (chunks and chunk lists
  // are immutable), ~2.25 of the ~6.25 rows per file: 1 in 360 of them is 0.1 % of all rows.
  // Deletions take a file's manifest, node and chunk list (~4 rows) and notifications: 1 in 135
  // files is 0.5 % of all rows. Clustered: runs of 100 (updates: a batch of notifications read,
  // a folder's files renamed) / 500 (deletions: a folder deleted) neighbouring seqs; scattered: by
  // a hash of the id.
  const pick = (table: 'nodes' | 'notifications' | 'users' | 'file_manifests', kind: 'update' | 'delete'): string => {
    const [modulus, residue, run] = kind === 'update' ? [360, 7, 100] : [135, 13, 500];
    const seq = table === 'notifications' ? `(${SEQ} / ${NOTIFICATION_EVERY})` : table === 'users' ? `(${SEQ} / ${USER_EVERY})` : SEQ;
    return pattern === 'clustered'
      ? `(${seq} / ${table === 'users' ? 1 : run}) % ${modulus} = ${residue}`
      : `(hashtext(id::text) & 2147483647) % ${modulus} = ${residue}`;
  };
  const client = await pool.connect();
  let updated = 0;
  let deleted = 0;
  const added = Math.max(1, Math.round(files * 0.02));
  try {
    await client.query('BEGIN');
    await insertRange(client, { from: files, to: files + added }, files + added);
    const inserted = (await bulkRowCount(client)) - rowsBefore;
    const count = async (sql: string) => (await client.query(sql)).rowCount ?? 0;
    updated += await count(`UPDATE nodes SET name = name || ' (renamed)' WHERE file_manifest_id IS NOT NULL AND ${pick('nodes', 'update')}`);
    updated += await count(`UPDATE notifications SET read_at = ${BASE} + interval '400 days', updated_at = ${BASE} + interval '400 days'
                              WHERE ${pick('notifications', 'update')}`);
    updated += await count(`UPDATE users SET updated_at = ${BASE} + interval '400 days' WHERE id <> '${ADMIN_ID}' AND ${pick('users', 'update')}`);
    updated += await count(`UPDATE file_manifests SET content_type = 'application/x-renamed' WHERE ${pick('file_manifests', 'update')}`);
    // A deleted file takes its node and chunk list with it (folders are never deleted).
    await client.query(`CREATE TEMP TABLE gone ON COMMIT DROP AS SELECT id FROM file_manifests WHERE ${pick('file_manifests', 'delete')}`);
    deleted += await count(`DELETE FROM nodes WHERE file_manifest_id IN (SELECT id FROM gone)`);
    deleted += await count(`DELETE FROM file_manifest_chunks WHERE file_manifest_id IN (SELECT id FROM gone)`);
    deleted += await count(`DELETE FROM file_manifests WHERE id IN (SELECT id FROM gone)`);
    deleted += await count(`DELETE FROM notifications WHERE ${pick('notifications', 'delete')}`);
    await client.query('COMMIT');
    await pool.query('VACUUM ANALYZE');
    return { change: { pattern, inserted, updated, deleted, rowsBefore }, files: files + added };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The tables applyDayOfChanges updates or deletes rows of (the rest only get rows appended). */
export const CHANGED_IN_PLACE = ['nodes', 'notifications', 'users', 'file_manifests', 'file_manifest_chunks'] as const;
const ALL_TABLES = [...CHANGED_IN_PLACE, 'chunks'] as const;

/**
 * The share of the rows' text (what COPY writes into the dump) held by the tables a day of changes
 * touches in place: with single-row changes spread uniformly, every chunk of those tables holds a
 * change, so no chunk size can reuse more than the rest.
 */
export async function changedInPlaceShare(pool: Pool): Promise<number> {
  const sizes = await Promise.all(
    ALL_TABLES.map(async (table) => {
      const { rows } = await pool.query<{ n: string | null }>(`SELECT sum(octet_length(t::text)) AS n FROM ${table} t`);
      return { table, bytes: Number(rows[0]!.n ?? 0) };
    }),
  );
  const total = sizes.reduce((sum, s) => sum + s.bytes, 0);
  const changed = sizes.filter((s) => (CHANGED_IN_PLACE as readonly string[]).includes(s.table)).reduce((sum, s) => sum + s.bytes, 0);
  return total === 0 ? 0 : changed / total;
}

async function bulkRowCount(db: Pool | PoolClient): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM notifications) + (SELECT count(*) FROM chunks)
          + (SELECT count(*) FROM file_manifests) + (SELECT count(*) FROM file_manifest_chunks) + (SELECT count(*) FROM nodes) AS n`,
  );
  return Number(rows[0]!.n);
}
