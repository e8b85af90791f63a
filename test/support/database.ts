import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server the tests run against (CI starts it; see .ci/run). */
export const testServer = {
  host: process.env.TEST_PG_HOST ?? '127.0.0.1',
  port: Number(process.env.TEST_PG_PORT ?? 5432),
  user: process.env.TEST_PG_USER ?? 'postgres',
  password: process.env.TEST_PG_PASSWORD,
};

export interface TestDatabase {
  name: string;
  pool: pg.Pool;
  /** Cotton's env variables pointing at this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ ...testServer, database: 'postgres' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function uniqueDatabaseName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`.toLowerCase();
}

/**
 * A pool on a test database. pool.end() resolves before its clients' sockets have closed, and
 * dropping the database (WITH FORCE) terminates its sessions: a client still closing then emits an
 * error no test is waiting for, which would fail the run as unhandled. Errors of a query still
 * reach the query's caller.
 */
export function testPool(database: string, max: number): pg.Pool {
  const pool = new pg.Pool({ ...testServer, database, max });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** A fresh, empty database per test file, dropped (with its connections) afterwards. */
export async function createTestDatabase(prefix = 'ct'): Promise<TestDatabase> {
  const name = uniqueDatabaseName(prefix);
  await adminQuery(`CREATE DATABASE "${name}"`);
  const pool = testPool(name, 5);
  return {
    name,
    pool,
    env: {
      COTTON_PG_HOST: testServer.host,
      COTTON_PG_PORT: String(testServer.port),
      COTTON_PG_DATABASE: name,
      COTTON_PG_USERNAME: testServer.user,
      ...(testServer.password ? { COTTON_PG_PASSWORD: testServer.password } : {}),
    },
    async drop() {
      await pool.end().catch(() => undefined);
      await dropDatabase(name);
    },
  };
}

export async function dropDatabase(name: string): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
