import { execFile } from 'node:child_process';
import { cp, mkdtemp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Pool } from 'pg';
import { loadConfig, type HostConfig } from '../../src/config/config';
import { Host } from '../../src/host/host';
import { deriveMasterEncryptionKey } from '../../src/keys/keys';
import { createLogger } from '../../src/logging/logger';
import { createStorage, type FilesystemObjectStorage } from '../../src/storage/open/create-storage';
import { COTTON_SCHEMA, ADMIN_ID } from '../support/cotton-schema';
import { writeCottonBackup } from '../support/independent-cotton/cotton-job';
import { createTestDatabase, testServer, type TestDatabase } from '../support/database';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const PLUGINS_PATH = join(REPO, 'plugins');
export const MASTER_KEY = 'restore-test-master-key-0123456'.padEnd(32, 'x');
export const OTHER_MASTER_KEY = 'a-completely-different-key-00000'.slice(0, 32);
export const SECOND_ADMIN_ID = '00000000-0000-4000-8000-000000000003';

export const SMALL_CHUNKS = { COTTON_CHUNK_MIN_BYTES: '16384', COTTON_CHUNK_AVG_BYTES: '65536', COTTON_CHUNK_MAX_BYTES: '262144' };

/** A host configuration over `db` and a storage/data folder under `root`. */
export function hostConfig(db: Pick<TestDatabase, 'env'>, root: string, env: Record<string, string> = {}): HostConfig {
  return loadConfig({
    ...db.env,
    COTTON_MASTER_KEY: MASTER_KEY,
    COTTON_STORAGE_PATH: join(root, 'files'),
    COTTON_DATA_PATH: join(root, 'data'),
    COTTON_HTTP_PORT: '0',
    COTTON_HTTP_HOST: '127.0.0.1',
    COTTON_LOG_LEVEL: 'silent',
    COTTON_RESTORE_DATABASE_IF_EMPTY: 'true',
    ...SMALL_CHUNKS,
    ...env,
  });
}

export function newHost(config: HostConfig): Host {
  return new Host({ config, pluginsPath: PLUGINS_PATH, logger: createLogger({ level: 'silent' }), stopTimeoutMs: 2000 });
}

export async function tempRoot(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `${prefix}-`));
}

export function storageOf(root: string, masterKey = MASTER_KEY): FilesystemObjectStorage {
  return createStorage({ root: join(root, 'files'), masterEncryptionKey: deriveMasterEncryptionKey(masterKey) });
}

/**
 * Empty by Cotton's rule, yet not blank: Cotton's tables with two admins and a user, but no row
 * in __EFMigrationsHistory. A refused restore must leave exactly this; pg_restore --clean replaces it.
 */
export async function makeCottonEmptyWithAdmins(pool: Pool): Promise<void> {
  await pool.query(COTTON_SCHEMA);
  await pool.query(`INSERT INTO users (id, username, role) VALUES
    ('${ADMIN_ID}', 'Admin', 2), ('${SECOND_ADMIN_ID}', 'Operator', 2), ('00000000-0000-4000-8000-000000000002', 'alice', 1)`);
}

export async function createEmptyTarget(prefix: string, withAdmins: boolean): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  // DROP DATABASE … WITH (FORCE) may reach a connection that is just closing: not a test failure.
  db.pool.on('error', () => undefined);
  if (withAdmins) await makeCottonEmptyWithAdmins(db.pool);
  return db;
}

/** Events of the restore streams, oldest first. */
export async function restoreEvents(pool: Pool): Promise<{ stream_id: string; type: string; data: any; metadata: any }[]> {
  const { rows } = await pool.query(
    `SELECT stream_id, type, data, metadata FROM cotton_backup.events WHERE stream_id LIKE 'restore-%' ORDER BY global_position`,
  );
  return rows;
}

export async function cottonNotifications(pool: Pool, title: string): Promise<{ id: string; user_id: string; priority: number; metadata: Record<string, string> }[]> {
  const { rows } = await pool.query(
    `SELECT id::text, user_id::text, priority, hstore_to_json(metadata) AS metadata FROM public.notifications WHERE title = $1 ORDER BY user_id`,
    [title],
  );
  return rows;
}

/* ---- corruption of stored objects (Cotton's layout: <root>/ab/cd/<rest>.ctn) ---- */

export async function flipByte(path: string): Promise<void> {
  const size = (await stat(path)).size;
  const file = await open(path, 'r+');
  try {
    const at = Math.floor(size / 2);
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0x01;
    await file.write(byte, 0, 1, at);
  } finally {
    await file.close();
  }
}

export async function truncateHalf(path: string): Promise<void> {
  await truncate(path, Math.floor((await stat(path)).size / 2));
}

/** Cotton's legacy CTN1 vector (COTTON.md §3) in place of an object. */
export async function writeCtn1(path: string): Promise<void> {
  const vectors = JSON.parse(await readFile(join(REPO, '../shared/cotton/container-vectors.json'), 'utf8'));
  await writeFile(path, Buffer.from(vectors.vectors.legacyCtn1TwoChunk.hex, 'hex'));
}

/** A copy of a storage root, so each case corrupts its own. */
export async function copyRoot(from: string, prefix: string): Promise<string> {
  const to = await tempRoot(prefix);
  await cp(join(from, 'files'), join(to, 'files'), { recursive: true });
  return to;
}

export async function removeRoot(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true });
}

/* ---- a backup written the way Cotton's own C# job writes it (COTTON.md §4) ---- */

export const COTTON_CHUNK_SIZE = 1024 * 1024;

/**
 * pg_dump --format=custom (default compression) into a temp file, then Cotton's job over it:
 * fixed-size 1 MiB chunks, manifest, pointer by delete-then-write. Everything stored is written by
 * test/support/independent-cotton (CTN2, layout, keys from COTTON.md, no code of src/storage):
 * only `storage.root` is used. Returns the manifest and its key.
 */
export async function writeCottonStyleBackup(db: TestDatabase, storage: Pick<FilesystemObjectStorage, 'root'>, masterKey = MASTER_KEY) {
  const work = await tempRoot('cotton-job');
  const file = join(work, 'db.dump');
  try {
    const env = { ...process.env, ...(testServer.password ? { PGPASSWORD: testServer.password } : {}) };
    await promisify(execFile)('pg_dump', ['--format=custom', '--host', testServer.host, '--port', String(testServer.port), '--username', testServer.user, '--no-password', '--file', file, db.name], { env });
    const source = { dump: await readFile(file), sourceDatabase: db.name, sourceHost: testServer.host, sourcePort: testServer.port };
    return await writeCottonBackup(storage.root, masterKey, source, COTTON_CHUNK_SIZE);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * snapshotTables, with the notifications a restore adds left out: what must equal the source.
 * Runs inside a rolled-back transaction that deletes them first.
 */
export async function snapshotWithoutNotices(pool: Pool, titles: readonly string[]): Promise<Record<string, string>> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('DELETE FROM public.notifications WHERE title = ANY($1::text[])', [titles]);
    const { rows: tables } = await client.query<{ name: string }>(
      `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'pgboss', 'cotton_backup', 'cotton_host') ORDER BY 1`,
    );
    const out: Record<string, string> = {};
    for (const { name } of tables) {
      const { rows } = await client.query<{ digest: string; n: string }>(
        `SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS digest, count(*) AS n FROM ${name} t`,
      );
      out[name] = `${rows[0]!.n}:${rows[0]!.digest}`;
    }
    return out;
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}
