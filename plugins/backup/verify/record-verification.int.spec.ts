import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COTTON_SCHEMA } from '../../../test/support/cotton-schema';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { recordVerification } from './record-verification';

/** A uuid PostgreSQL accepts that is not RFC 9562 (version 3, NCS variant), as imported Cotton rows may hold. */
const ODD_ADMIN = 'e4774cdd-a079-3f86-414e-8b9140bb6db4';

describe('recording a failed verification for admins with any uuid', () => {
  let f: BackupFixture;
  beforeAll(async () => {
    f = await createBackupFixture('verodd');
    await f.db.pool.query(COTTON_SCHEMA);
    await f.db.pool.query(`INSERT INTO users (id, username, role) VALUES ('${ODD_ADMIN}', 'imported', 2)`);
  });
  afterAll(() => f.cleanup());

  it('reports the damaged object and records AdminsNotified naming the admin, instead of crashing', async () => {
    const stream = await recordVerification(
      f.db.pool,
      f.services.journal,
      {
        backupId: 'a'.repeat(32),
        manifestKey: 'b'.repeat(64),
        chunkCount: 1,
        bytes: 0,
        durationMs: 5,
        problems: [{ key: 'c'.repeat(64), problem: 'missing', detail: 'no object' }],
      },
      { secrets: [], trigger: 'cli' },
    );
    const { rows } = await f.db.pool.query('SELECT type, data FROM cotton_backup.events WHERE stream_id = $1 ORDER BY stream_version', [stream]);
    expect(rows.map((r) => r.type)).toEqual(['VerificationFailed', 'AdminsNotified']);
    expect(rows[1].data.recipients).toEqual([{ notificationId: expect.any(String), userId: ODD_ADMIN }]);
  });
});
