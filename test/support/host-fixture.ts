import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../../src/config/config';
import { Host, type HostOptions } from '../../src/host/host';
import { createTestDatabase, type TestDatabase } from './database';
import { seedCottonDatabase } from './cotton-schema';

export const PLUGINS_PATH = fileURLToPath(new URL('../../plugins/', import.meta.url));
export const ADMIN_TOKEN = 'trigger-spec-admin-token-01234567';

export interface HostFixture {
  db: TestDatabase;
  root: string;
  /** A started host over the fixture's database and storage; stopped by cleanup(). `options`: e.g. a logger from log-capture.ts. */
  startHost(env?: Record<string, string>, options?: Partial<HostOptions>): Promise<Host>;
  cleanup(): Promise<void>;
}

/** A seeded Cotton database and one storage root that every host of the fixture shares. */
export async function createHostFixture(prefix: string, seed = true): Promise<HostFixture> {
  const db = await createTestDatabase(prefix);
  if (seed) await seedCottonDatabase(db.pool, 1);
  const root = await mkdtemp(join(tmpdir(), `${prefix}-`));
  const hosts: Host[] = [];
  return {
    db,
    root,
    async startHost(env = {}, options = {}) {
      const config = loadConfig({
        ...db.env,
        COTTON_MASTER_KEY: 'trigger-spec-master-key-0123456x',
        COTTON_STORAGE_PATH: join(root, 'files'),
        COTTON_DATA_PATH: join(root, 'data'),
        COTTON_HTTP_PORT: '0',
        COTTON_ADMIN_TOKEN: ADMIN_TOKEN,
        COTTON_LOG_LEVEL: 'silent',
        COTTON_CHUNK_MIN_BYTES: '16384',
        COTTON_CHUNK_AVG_BYTES: '65536',
        COTTON_CHUNK_MAX_BYTES: '262144',
        COTTON_BACKUP_STAGGER_MS: '100',
        ...env,
      });
      const host = new Host({ config, pluginsPath: PLUGINS_PATH, stopTimeoutMs: 5000, ...options });
      hosts.push(host);
      await host.start();
      return host;
    },
    async cleanup() {
      for (const host of hosts.reverse()) await host.stop();
      await db.drop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export async function waitUntil<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface EventRow {
  global_position: string;
  stream_id: string;
  type: string;
  data: Record<string, unknown>;
  occurred_at: Date;
}

export async function eventsOfType(pool: pg.Pool, type: string): Promise<EventRow[]> {
  const { rows } = await pool.query<EventRow>(
    'SELECT e.global_position::text, e.stream_id, e.type, e.data, e.occurred_at FROM cotton_backup.events e WHERE e.type = $1 ORDER BY e.global_position',
    [type],
  );
  return rows;
}

/** Waits for the request to be served and checks the chain request → BackupStarted.requestIds → PointerAdvanced. */
export async function servedBackupOf(pool: pg.Pool, requestId: string, timeoutMs = 60_000): Promise<string> {
  const row = await waitUntil(async () => {
    const { rows } = await pool.query<{ status: string; backup_id: string }>(
      'SELECT status, backup_id FROM cotton_backup.checkpoint_requests WHERE request_id = $1',
      [requestId],
    );
    if (rows[0]?.status === 'failed') throw new Error(`request ${requestId} failed (backup ${rows[0].backup_id})`);
    return rows[0]?.status === 'served' ? rows[0] : undefined;
  }, `request ${requestId} to be served`, timeoutMs);
  const { rows } = await pool.query<{ type: string; data: { requestIds?: string[] } }>(
    'SELECT type, data FROM cotton_backup.events WHERE stream_id = $1 ORDER BY stream_version',
    [row.backup_id],
  );
  const started = rows.find((r) => r.type === 'BackupStarted');
  if (!started?.data.requestIds?.includes(requestId)) throw new Error(`BackupStarted of ${row.backup_id} does not name request ${requestId}`);
  if (!rows.some((r) => r.type === 'PointerAdvanced')) throw new Error(`backup ${row.backup_id} has no PointerAdvanced`);
  return row.backup_id;
}

/** A separate connection (not the host's pool): what a Cotton session or psql would be. */
export async function connect(db: TestDatabase): Promise<pg.Client> {
  const client = new pg.Client({ host: db.env.COTTON_PG_HOST, port: Number(db.env.COTTON_PG_PORT), user: db.env.COTTON_PG_USERNAME, database: db.name, password: db.env.COTTON_PG_PASSWORD });
  await client.connect();
  return client;
}

/** What a CLI run beside the fixture's host needs: the same database, key and storage. */
export function cliEnv(f: HostFixture): NodeJS.ProcessEnv {
  return {
    ...f.db.env,
    COTTON_MASTER_KEY: 'trigger-spec-master-key-0123456x',
    COTTON_STORAGE_PATH: join(f.root, 'files'),
    COTTON_DATA_PATH: join(f.root, 'data'),
    COTTON_PLUGINS_PATH: PLUGINS_PATH,
    COTTON_LOG_LEVEL: 'silent',
  };
}
