import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ID, COTTON_SCHEMA } from '../../../test/support/cotton-schema';
import { renderCottonNotification } from '../../../test/support/cotton-notification-render';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import type { Manifest } from '../repository/manifest';
import { parseEvent } from '../events/vocabulary';
import { BACKUP_FAILED_TITLE, notifyBackupFailed } from './backup-failed';
import { notifyAdmins } from './notify-admins';
import { notifyRestoreCompleted, RESTORED_TITLE } from './restore-completed';
import { notifyRestoreRefused, REFUSED_TITLE } from './restore-refused';

/** A uuid PostgreSQL accepts that is not RFC 9562 (version 3, NCS variant), as imported rows may hold. */
const ODD_ADMIN = 'e4774cdd-a079-3f86-414e-8b9140bb6db4';

const ROWS = `SELECT user_id::text, title, content, hstore_to_json(metadata) AS metadata FROM notifications WHERE title = $1 ORDER BY user_id`;

describe('admin notifications in Cotton’s table', () => {
  let db: TestDatabase;
  const clock = { now: () => new Date('2026-11-28T23:48:07.087Z') };
  beforeAll(async () => {
    db = await createTestDatabase('rsnote');
  });
  afterAll(() => db.drop());

  it('tells no one (and records nothing) when Cotton’s tables or admins are absent', async () => {
    expect(await notifyBackupFailed(db.pool, clock, 'a'.repeat(32), 'x')).toBeUndefined();
    await db.pool.query(COTTON_SCHEMA);
    expect(await notifyBackupFailed(db.pool, clock, 'a'.repeat(32), 'x')).toBeUndefined();
  });

  it('a failed backup: one High row per admin, once per backup id, with a title and content that stand alone', async () => {
    await db.pool.query(`INSERT INTO users (id, username, role) VALUES ('${ADMIN_ID}', 'Admin', 2), (gen_random_uuid(), 'bob', 1)`);
    const event = await notifyBackupFailed(db.pool, clock, 'b'.repeat(32), 'pg_dump exited with 1');
    expect(event).toMatchObject({ type: 'AdminsNotified', data: { kind: 'backup_failed', adminCount: 1, priority: 3, recipients: [{ userId: ADMIN_ID }] } });
    expect(await notifyBackupFailed(db.pool, clock, 'b'.repeat(32), 'pg_dump exited with 1')).toBeUndefined();
    const { rows } = await db.pool.query('SELECT user_id::text, priority, content, metadata -> $2 AS backup FROM notifications WHERE title = $1', [BACKUP_FAILED_TITLE, 'backupId']);
    expect(rows).toEqual([{ user_id: ADMIN_ID, priority: 3, content: expect.stringContaining(`Database backup ${'b'.repeat(32)} failed: pg_dump exited with 1.`), backup: 'b'.repeat(32) }]);
  });

  it('every notification we write renders in Cotton’s UI with no placeholder left empty, for any admin uuid', async () => {
    await db.pool.query(`INSERT INTO users (id, username, role) VALUES ('${ODD_ADMIN}', 'Imported', 2)`);
    await db.pool.query(`INSERT INTO server_settings VALUES ('00000000-0000-4000-8000-0000000000aa', 'Europe/Berlin', gen_random_uuid())`);
    const manifest = {
      backupId: 'c'.repeat(32),
      createdAtUtc: '2026-11-28T22:00:00.1234567Z',
      sourceDatabase: 'cotton',
      sourceHost: 'db.internal',
      sourcePort: '5432',
    } as Manifest;
    const events = [
      await notifyRestoreCompleted(db.pool, clock, { manifest, manifestKey: 'd'.repeat(64) }),
      await notifyRestoreRefused(db.pool, clock, { restoreId: 'r-1', dedupKey: 'k', message: 'Startup restore failed: no pointer. What to do: check the key.' }),
      await notifyBackupFailed(db.pool, clock, 'e'.repeat(32), 'disk full'),
    ];
    for (const event of events) {
      expect(event?.type).toBe('AdminsNotified');
      expect(() => parseEvent(event!.type, event!.data)).not.toThrow(); // the event store accepts it
      expect((event!.data as { recipients: { userId: string }[] }).recipients.map((r) => r.userId)).toContain(ODD_ADMIN);
    }

    const [restored] = (await db.pool.query(ROWS, [RESTORED_TITLE])).rows;
    expect(restored.metadata).toEqual({
      backupId: 'c'.repeat(32),
      createdAtUtc: '2026-11-28T22:00:00.1234567Z',
      createdAtLocal: '2026-11-28T23:00:00.1234567+01:00',
      restoreCompletedUtc: '2026-11-28T23:48:07.0870000Z',
      restoreCompletedLocal: '2026-11-29T00:48:07.0870000+01:00',
      backupCreatedUtc: '2026-11-28 22:00:00',
      backupCreatedLocal: '2026-11-28 23:00:00',
      restoreCompletedUtcDisplay: '2026-11-28 23:48:07',
      restoreCompletedLocalDisplay: '2026-11-29 00:48:07',
      sourceDatabase: 'cotton',
      sourceHost: 'db.internal',
      sourcePort: '5432',
      serverTimezone: 'Europe/Berlin',
      manifestStorageKey: 'd'.repeat(64),
      'i18n.titleKey': 'notifications:server.databaseRestoreCompleted.title',
      'i18n.contentKey': 'notifications:server.databaseRestoreCompleted.content',
    });
    for (const title of [RESTORED_TITLE, REFUSED_TITLE, BACKUP_FAILED_TITLE]) {
      const { rows } = await db.pool.query(ROWS, [title]);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        const shown = renderCottonNotification(row);
        expect(shown.emptyPlaceholders, title).toEqual([]);
        expect(shown.title.trim(), title).not.toBe('');
        expect(shown.content.trim(), title).not.toBe('');
        // Keys Cotton's locales lack would make the UI fall back anyway: name none.
        if (title !== RESTORED_TITLE) expect(Object.keys(row.metadata).filter((k) => k.startsWith('i18n.')), title).toEqual([]);
      }
    }
    const shown = renderCottonNotification((await db.pool.query(ROWS, [RESTORED_TITLE])).rows[0]);
    expect(shown.fromTemplate).toEqual({ title: true, content: true });
    expect(shown.content).toContain('created 2026-11-28 22:00:00 UTC (Europe/Berlin: 2026-11-28 23:00:00)');
  });

  it('never drops an event that fails validation: an EventRejected says what was written', async () => {
    const event = await notifyAdmins(db.pool, { kind: 'backup_failed', dedupKey: 'long', title: 't'.repeat(600), content: 'c', priority: 3, metadata: {} });
    expect(event?.type).toBe('EventRejected');
    expect(() => parseEvent(event!.type, event!.data)).not.toThrow();
    expect(event!.data).toMatchObject({ rejectedType: 'AdminsNotified', problem: expect.stringMatching(/data\.title/), summary: expect.stringContaining(ODD_ADMIN) });
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM notifications WHERE title = $1', ['t'.repeat(600)]);
    expect(rows[0].n).toBe(2);
  });
});
