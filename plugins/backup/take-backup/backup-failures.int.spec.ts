import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointerStorageKey } from '../../../src/keys/keys';
import { seedCottonDatabase } from '../../../test/support/cotton-schema';
import { withFailingPgTool } from '../../../test/support/failing-pg-tool';
import { readStream } from '../events';
import { readPointer } from '../repository/manifest-store';
import { createBackupFixture, TEST_MASTER_KEY, type BackupFixture } from '../../../test/support/backup-fixture';
import { runBackup } from './run-backup';

const SMALL_CHUNKS = { COTTON_CHUNK_MIN_BYTES: '16384', COTTON_CHUNK_AVG_BYTES: '65536', COTTON_CHUNK_MAX_BYTES: '262144' };
// Trust authentication ignores it; it is configured so that it is a secret to keep out of events.
const PASSWORD = 'bkfail-db-password-4f1c9e';

async function lastBackupEvents(f: BackupFixture) {
  const { rows } = await f.db.pool.query("SELECT stream_id FROM cotton_backup.events WHERE type = 'BackupStarted' ORDER BY global_position DESC LIMIT 1");
  return readStream(f.db.pool, rows[0].stream_id);
}

describe('a failing backup ends in BackupFailed and leaves the pointer alone', () => {
  let f: BackupFixture;
  let goodPointer: string | undefined;
  beforeAll(async () => {
    f = await createBackupFixture('bkfail', { ...SMALL_CHUNKS, COTTON_PG_PASSWORD: PASSWORD });
    await seedCottonDatabase(f.db.pool);
    goodPointer = (await runBackup(f.services.backup)).manifestKey;
  });
  afterAll(() => f.cleanup());

  const pointer = async () => (await readPointer(f.storage, pointerStorageKey(f.masterEncryptionKey)))?.latestManifestStorageKey;

  it('pg_dump failing (database does not exist)', async () => {
    const backup = { ...f.services.backup, target: { ...f.services.backup.target, database: 'no_such_database_xyz' } };
    await expect(runBackup(backup)).rejects.toThrow(/pg_dump exited with 1: .*no_such_database_xyz/);
    const events = await lastBackupEvents(f);
    expect(events.map((e) => e.type)).toEqual(['BackupStarted', 'BackupFailed', 'AdminsNotified']);
    expect(events[1]!.data).toMatchObject({ step: 'dump', errorClass: 'PgToolError' });
    expect(await pointer()).toBe(goodPointer);
    const history = await f.db.pool.query("SELECT status, failed_step FROM cotton_backup.backup_history WHERE backup_id = $1", [events[0]!.streamId]);
    expect(history.rows[0]).toEqual({ status: 'failed', failed_step: 'dump' });
    const told = await f.db.pool.query("SELECT title, priority, metadata -> 'backupId' AS backup FROM notifications WHERE title = 'Database backup failed'");
    expect(told.rows).toHaveLength(2); // both seeded admins, High
    expect(told.rows.every((r) => r.priority === 3 && r.backup === events[0]!.streamId)).toBe(true);
  });

  it('the storage root not writable', async () => {
    await f.db.pool.query("INSERT INTO users (id, username, role) VALUES (gen_random_uuid(), 'newcomer', 1)"); // a new chunk to write
    // Tests run as root, which ignores permission bits: a file where the temp folder should be
    // makes every write fail the way an unwritable root does.
    const tmp = join(f.config.storage.root, 'tmp');
    await rm(tmp, { recursive: true, force: true });
    await writeFile(tmp, 'not a folder');
    try {
      await expect(runBackup(f.services.backup)).rejects.toThrow(/cannot store object [0-9a-f]{64} under .*: a file stands where a folder should be/);
    } finally {
      await rm(tmp, { force: true });
    }
    const events = await lastBackupEvents(f);
    expect(events.map((e) => e.type)).toEqual(['BackupStarted', 'BackupFailed', 'AdminsNotified']);
    expect(events[1]!.data).toMatchObject({ step: 'chunk' });
    expect(await pointer()).toBe(goodPointer);
  });

  it('pg_dump failing with a message that quotes the password and the master key: recorded redacted', async () => {
    // Stands for any tool message that quotes a secret; the failing pg_dump adds the password it was given.
    await withFailingPgTool('pg_dump', `connection to server failed for key ${TEST_MASTER_KEY}`, async () => {
      await expect(runBackup(f.services.backup)).rejects.toThrow(/pg_dump exited with 1/);
    });
    const events = await lastBackupEvents(f);
    expect(events.map((e) => e.type)).toEqual(['BackupStarted', 'BackupFailed', 'AdminsNotified']);
    expect(events[1]!.data).toMatchObject({
      step: 'dump',
      message: 'pg_dump exited with 1: pg_dump: error: connection to server failed for key [REDACTED] (password "[REDACTED]")',
    });
    const told = await f.db.pool.query("SELECT content FROM notifications WHERE title = 'Database backup failed' AND metadata -> 'backupId' = $1", [events[0]!.streamId]);
    expect(told.rows).toHaveLength(2);
    for (const r of told.rows) expect(r.content).toContain('for key [REDACTED] (password "[REDACTED]")');
  });

  it('never puts a secret into an event or a notification', async () => {
    const { rows } = await f.db.pool.query(
      `SELECT data::text || metadata::text AS t FROM cotton_backup.events UNION ALL SELECT coalesce(content, '') FROM notifications`,
    );
    // The failures above carried both secrets: this checks redaction, not the absence of secrets to redact.
    expect(rows.some((r) => r.t.includes('[REDACTED]'))).toBe(true);
    for (const r of rows) {
      expect(r.t).not.toContain(TEST_MASTER_KEY);
      expect(r.t).not.toContain(PASSWORD);
    }
  });
});

describe('a cancelled backup', () => {
  let f: BackupFixture;
  beforeAll(async () => {
    f = await createBackupFixture('bkcancel', SMALL_CHUNKS);
    await seedCottonDatabase(f.db.pool, 3);
  });
  afterAll(() => f.cleanup());

  it('ends in BackupFailed with no manifest and no pointer', async () => {
    const controller = new AbortController();
    await expect(
      runBackup(f.services.backup, { signal: controller.signal, onProgress: () => controller.abort(new Error('operator cancelled')) }),
    ).rejects.toThrow(/cancelled/);
    const events = await lastBackupEvents(f);
    expect(events.map((e) => e.type)).toEqual(['BackupStarted', 'BackupFailed']);
    expect(events[1]!.data).toMatchObject({ errorClass: 'BackupCancelledError' });
    expect(await readPointer(f.storage, pointerStorageKey(f.masterEncryptionKey))).toBeUndefined();
  });
});

describe('the session holding the backup lock cut mid-run', () => {
  let f: BackupFixture;
  beforeAll(async () => {
    f = await createBackupFixture('bklost', SMALL_CHUNKS);
    await seedCottonDatabase(f.db.pool, 3);
  });
  afterAll(() => f.cleanup());

  it('stops the run with BackupFailed instead of crashing the process, pointer untouched', async () => {
    let cut = false;
    const run = runBackup(f.services.backup, {
      onProgress: () => {
        if (cut) return;
        cut = true;
        void f.db.pool.query(
          `SELECT pg_terminate_backend(pid) FROM pg_locks
            WHERE locktype = 'advisory' AND classid = ${0x43544e42}::bigint::oid AND objid = 1::oid AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, // not other tests' backups
        );
      },
    });
    await expect(run).rejects.toThrow(/lost the database session holding the backup lock/);
    const events = await lastBackupEvents(f);
    expect(events.map((e) => e.type)).toContain('BackupFailed');
    expect(events.find((e) => e.type === 'BackupFailed')!.data).toMatchObject({ errorClass: 'BackupLockLostError' });
    expect(await readPointer(f.storage, pointerStorageKey(f.masterEncryptionKey))).toBeUndefined();
    // The next run takes the lock again and completes.
    await expect(runBackup(f.services.backup)).resolves.toMatchObject({ backupId: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });
});

describe('a run whose process died without a word', () => {
  let f: BackupFixture;
  beforeAll(async () => {
    f = await createBackupFixture('bkdead', SMALL_CHUNKS);
    await seedCottonDatabase(f.db.pool);
  });
  afterAll(() => f.cleanup());

  it('is closed as stale by an idle host, and the request it held is served by a new backup', async () => {
    const requestId = '7b0c8a52-5d7e-4c1b-9a57-3f1e2d4c6b8a';
    const deadId = 'deadbeefdeadbeefdeadbeefdeadbeef';
    await f.services.journal.append(`request-${requestId}`, [
      { type: 'BackupRequested', data: { requestId, source: 'sql', reason: 'before maintenance', requestedBy: 'dba' } },
    ]);
    // What a server restart mid-backup leaves: BackupStarted, then nothing (no lock holder any more).
    await f.services.journal.append(deadId, [
      {
        type: 'BackupStarted',
        data: { backupId: deadId, requestIds: [requestId], database: f.db.name, host: '127.0.0.1', port: '5432', chunking: f.services.settings.chunking },
      },
    ]);
    f.services.coordinator.start();
    const state = await f.services.coordinator.waitFor(requestId, { signal: AbortSignal.timeout(60_000) });
    expect(state.status).toBe('served');
    expect(state.backupId).not.toBe(deadId);
    const dead = await f.db.pool.query('SELECT status, failed_step FROM cotton_backup.backup_history WHERE backup_id = $1', [deadId]);
    expect(dead.rows[0]).toEqual({ status: 'failed', failed_step: 'stale' });
  });
});
