import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testServer, type TestDatabase } from '../../test/support/database';
import { createLogger } from '../logging/logger';
import { PgListenSubscriber } from './subscriber';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('notify');
});

afterAll(async () => {
  await db?.drop();
});

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('PgListenSubscriber', () => {
  it('delivers raw payloads (empty, non-JSON, JSON) and re-listens after a lost connection', async () => {
    const subscriber = new PgListenSubscriber({ ...testServer, database: db.name }, createLogger({ level: 'silent' }), { retryInterval: 100 });
    await subscriber.connect();
    const got: string[] = [];
    const senders: number[] = [];
    let reconnects = 0;
    try {
      await subscriber.listen('spec_channel', (payload, sender) => {
        got.push(payload);
        senders.push(sender.processId);
      });
      await subscriber.listen('spec_channel', () => {
        throw new Error('a failing handler does not stop the others');
      });
      subscriber.onReconnect(() => {
        reconnects += 1;
      });
      const client = await db.pool.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await client.query(`SELECT pg_notify('spec_channel', '')`);
      await client.query(`SELECT pg_notify('spec_channel', 'plain text')`);
      await client.query(`SELECT pg_notify('spec_channel', '{"json":true}')`);
      client.release();
      await waitFor(() => got.length === 3, 'three payloads');
      expect(got).toEqual(['', 'plain text', '{"json":true}']);
      // Who sent it, as PostgreSQL says: the notifying backend's pid.
      expect(senders).toEqual([rows[0]!.pid, rows[0]!.pid, rows[0]!.pid]);
      expect(reconnects).toBe(0);

      await db.pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'cotton-backup-listen' AND datname = $1`,
        [db.name],
      );
      await waitFor(() => reconnects === 1, 'the reconnect handler');
      await db.pool.query(`SELECT pg_notify('spec_channel', 'again')`);
      await waitFor(() => got.length === 4, 'a payload after reconnecting');
      expect(got[3]).toBe('again');
    } finally {
      await subscriber.close();
    }
  });
});
