import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ID, COTTON_SCHEMA } from '../../../test/support/cotton-schema';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { BACKUP_FAILED_TITLE, notifyBackupFailed } from './backup-failed';

describe('admin notifications in Cotton’s table', () => {
  let db: TestDatabase;
  const clock = { now: () => new Date('2026-01-02T03:04:05Z') };
  beforeAll(async () => {
    db = await createTestDatabase('rsnote');
  });
  afterAll(() => db.drop());

  it('tells no one (and records nothing) when Cotton’s tables or admins are absent', async () => {
    expect(await notifyBackupFailed(db.pool, clock, 'a'.repeat(32), 'x')).toBeUndefined();
    await db.pool.query(COTTON_SCHEMA);
    expect(await notifyBackupFailed(db.pool, clock, 'a'.repeat(32), 'x')).toBeUndefined();
  });

  it('a failed backup: one High row per admin, once per backup id', async () => {
    await db.pool.query(`INSERT INTO users (id, username, role) VALUES ('${ADMIN_ID}', 'Admin', 2), (gen_random_uuid(), 'bob', 1)`);
    const event = await notifyBackupFailed(db.pool, clock, 'b'.repeat(32), 'pg_dump exited with 1');
    expect(event).toMatchObject({ type: 'AdminsNotified', data: { kind: 'backup_failed', adminCount: 1, priority: 3, recipients: [{ userId: ADMIN_ID }] } });
    expect(await notifyBackupFailed(db.pool, clock, 'b'.repeat(32), 'pg_dump exited with 1')).toBeUndefined();
    const { rows } = await db.pool.query('SELECT user_id::text, priority, content, metadata -> $2 AS backup FROM notifications WHERE title = $1', [BACKUP_FAILED_TITLE, 'backupId']);
    expect(rows).toEqual([{ user_id: ADMIN_ID, priority: 3, content: `Backup ${'b'.repeat(32)} failed: pg_dump exited with 1`, backup: 'b'.repeat(32) }]);
  });
});
