import type { Pool } from 'pg';

/**
 * What Cotton's GC reads (COTTON.md §7): chunks.gc_scheduled_after (outside the integrity
 * signature, modelled by integrity_version/integrity_mac), compression and plain size, and the
 * preview/avatar hashes that reference chunks besides file_manifest_chunks.
 */
export const COTTON_GC_COLUMNS = `
  ALTER TABLE chunks ADD COLUMN plain_size_bytes bigint, ADD COLUMN compression_algorithm integer,
    ADD COLUMN gc_scheduled_after timestamptz, ADD COLUMN integrity_version integer, ADD COLUMN integrity_mac bytea;
  ALTER TABLE file_manifests ADD COLUMN small_file_preview_hash bytea, ADD COLUMN large_file_preview_hash bytea;
  ALTER TABLE users ADD COLUMN avatar_hash bytea;
`;

/**
 * Cotton's tables as COTTON.md §5 describes them, plus bulk tables shaped like Cotton's file
 * metadata, so tests and benchmarks back up something that looks like a real deployment.
 */
export const COTTON_SCHEMA = `
  CREATE EXTENSION IF NOT EXISTS citext;
  CREATE EXTENSION IF NOT EXISTS hstore;
  CREATE TABLE "__EFMigrationsHistory" ("MigrationId" varchar(150) PRIMARY KEY, "ProductVersion" varchar(32) NOT NULL);
  CREATE TABLE users (
    id uuid PRIMARY KEY, username citext NOT NULL UNIQUE, role integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE server_settings (id uuid PRIMARY KEY, timezone text NOT NULL, instance_id uuid NOT NULL);
  CREATE TABLE notifications (
    id uuid PRIMARY KEY, title text NOT NULL, content text, read_at timestamptz, metadata hstore,
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT, priority integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE chunks (hash bytea PRIMARY KEY, size_bytes integer NOT NULL, stored_size_bytes integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE file_manifests (id uuid PRIMARY KEY, content_hash bytea NOT NULL, size_bytes bigint NOT NULL,
    content_type text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE file_manifest_chunks (file_manifest_id uuid NOT NULL REFERENCES file_manifests(id),
    chunk_order integer NOT NULL, chunk_hash bytea NOT NULL REFERENCES chunks(hash), PRIMARY KEY (file_manifest_id, chunk_order));
  CREATE TABLE nodes (id uuid PRIMARY KEY, parent_id uuid REFERENCES nodes(id), owner_id uuid NOT NULL REFERENCES users(id),
    name citext NOT NULL, file_manifest_id uuid REFERENCES file_manifests(id), created_at timestamptz NOT NULL DEFAULT now());
` + COTTON_GC_COLUMNS;

export const ADMIN_ID = '00000000-0000-4000-8000-000000000001';

/** Creates Cotton's schema and a small deterministic data set (`scale` multiplies the bulk rows). */
export async function seedCottonDatabase(pool: Pool, scale = 1): Promise<void> {
  await pool.query(COTTON_SCHEMA);
  await pool.query(`
    INSERT INTO "__EFMigrationsHistory" VALUES ('20260101000000_Initial', '9.0.0'), ('20260301000000_Notifications', '9.0.0');
    INSERT INTO users (id, username, role) VALUES
      ('${ADMIN_ID}', 'Admin', 2),
      ('00000000-0000-4000-8000-000000000002', 'alice', 1),
      ('00000000-0000-4000-8000-000000000003', 'Operator', 2);
    INSERT INTO server_settings VALUES ('00000000-0000-4000-8000-0000000000aa', 'Europe/Berlin', '00000000-0000-4000-8000-0000000000bb');
    INSERT INTO notifications (id, title, content, metadata, user_id, priority)
      SELECT md5('n' || i)::uuid, 'Welcome ' || i, 'content ' || i, hstore('k', i::text), '${ADMIN_ID}', i % 4
        FROM generate_series(1, 50) i;`);
  await appendBulkRows(pool, 0, 2000 * scale);
}

/** Adds bulk rows numbered [from, from+count): chunks, file manifests with their chunk lists, nodes. */
export async function appendBulkRows(pool: Pool, from: number, count: number): Promise<void> {
  for (const statement of BULK_STATEMENTS) await pool.query(statement, [from, from + count - 1]);
}

const BULK_STATEMENTS = [
  `INSERT INTO chunks (hash, size_bytes, stored_size_bytes)
     SELECT sha256(('c' || i)::bytea), 1048576, 400000 + i % 600000 FROM generate_series($1::int, $2::int) i`,
  `INSERT INTO file_manifests (id, content_hash, size_bytes, content_type)
     SELECT md5('f' || i)::uuid, sha256(('f' || i)::bytea), i::bigint * 1024, 'application/octet-stream' FROM generate_series($1::int, $2::int) i`,
  `INSERT INTO file_manifest_chunks SELECT md5('f' || i)::uuid, 0, sha256(('c' || i)::bytea) FROM generate_series($1::int, $2::int) i`,
  `INSERT INTO nodes (id, owner_id, name, file_manifest_id)
     SELECT md5('n' || i)::uuid, '${ADMIN_ID}', 'file-' || i || '.bin', md5('f' || i)::uuid FROM generate_series($1::int, $2::int) i`,
];

/** Every user table's rows, in a stable order, as text: for "every table equal" checks. */
export async function snapshotTables(pool: Pool): Promise<Record<string, string>> {
  const { rows: tables } = await pool.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'pgboss', 'cotton_backup', 'cotton_host') ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const { rows } = await pool.query<{ digest: string; n: string }>(
      `SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS digest, count(*) AS n FROM ${name} t`,
    );
    out[name] = `${rows[0]!.n}:${rows[0]!.digest}`;
  }
  return out;
}
