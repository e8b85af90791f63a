import { afterEach, describe, expect, it } from 'vitest';
import type { Pool } from 'pg';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { seedCottonDatabase } from '../../../test/support/cotton-schema';
import { createTestDatabase } from '../../../test/support/database';
import { readStream } from '../events';
import { explicitRestore } from '../restore/explicit-restore';
import { runBackup } from '../take-backup/run-backup';
import { setFailpoints } from '../core/failpoints';

const RECORDED = `SELECT encode(h, 'hex') AS key FROM cotton_backup.referenced_chunk_recordings r, unnest(r.hashes) h WHERE r.backup_id = $1 ORDER BY 1`;
const REFERENCED = `
  SELECT encode(h, 'hex') AS key FROM (
    SELECT chunk_hash AS h FROM file_manifest_chunks UNION SELECT small_file_preview_hash FROM file_manifests
    UNION SELECT large_file_preview_hash FROM file_manifests UNION SELECT avatar_hash FROM users) s
   WHERE h IS NOT NULL ORDER BY 1`;
const keys = async (pool: Pool, sql: string, params: unknown[] = []) => (await pool.query<{ key: string }>(sql, params)).rows.map((r) => r.key);

describe('the record of the chunks a backup\'s database references', () => {
  let f: BackupFixture | undefined;
  afterEach(async () => {
    setFailpoints(undefined);
    await f?.cleanup();
    f = undefined;
  });

  it('holds exactly what a restore of the backup references: files, previews and avatars', async () => {
    f = await createBackupFixture('fcrec');
    await seedCottonDatabase(f.db.pool, 0.1);
    await f.db.pool.query(`UPDATE file_manifests SET small_file_preview_hash = sha256(('p' || id)::bytea) WHERE id IN (SELECT id FROM file_manifests ORDER BY id LIMIT 5)`);
    await f.db.pool.query(`UPDATE users SET avatar_hash = sha256('avatar'::bytea) WHERE role = 2`);
    const outcome = await runBackup({ ...f.services.backup, afterBackup: undefined });
    // Changed after the dump: neither the restore nor the record may show it.
    await f.db.pool.query(`UPDATE users SET avatar_hash = sha256('a later avatar'::bytea)`);
    const recorded = await keys(f.db.pool, RECORDED, [outcome.backupId]);
    expect(recorded).toHaveLength(200 + 5 + 1);
    const event = (await readStream(f.db.pool, outcome.backupId)).find((e) => e.type === 'FileChunksRecorded');
    expect(event?.data).toMatchObject({
      backupId: outcome.backupId,
      chunkCount: 206,
      columns: ['file_manifest_chunks.chunk_hash', 'file_manifests.small_file_preview_hash', 'file_manifests.large_file_preview_hash', 'users.avatar_hash'],
    });
    const scratch = await createTestDatabase('fcrecr');
    try {
      await explicitRestore(f.services.restoreContext({ ...f.services.backup.target, database: scratch.name }, scratch.pool), f.services.backup.clock, { backupId: outcome.backupId });
      expect(await keys(scratch.pool, REFERENCED)).toEqual(recorded);
      // The records' rows are not in the dump.
      expect((await scratch.pool.query('SELECT count(*)::int AS n FROM cotton_backup.referenced_chunk_recordings')).rows[0].n).toBe(0);
    } finally {
      await scratch.drop();
    }
  }, 60_000);

  it('records nothing in a database without Cotton\'s tables, and the backup succeeds', async () => {
    f = await createBackupFixture('fcplain');
    await f.db.pool.query('CREATE TABLE things (id int PRIMARY KEY, hash bytea); INSERT INTO things SELECT i, sha256(i::text::bytea) FROM generate_series(1, 100) i');
    const outcome = await runBackup({ ...f.services.backup, afterBackup: undefined });
    expect((await readStream(f.db.pool, outcome.backupId)).map((e) => e.type)).not.toContain('FileChunksRecorded');
    expect(await keys(f.db.pool, RECORDED, [outcome.backupId])).toEqual([]);
  });

  it('keeps no record of a backup that failed', async () => {
    f = await createBackupFixture('fcfail');
    await seedCottonDatabase(f.db.pool, 0.05);
    setFailpoints('backup.afterManifestCommitted=throw');
    await expect(runBackup({ ...f.services.backup, afterBackup: undefined })).rejects.toThrow(/failpoint/);
    expect((await f.db.pool.query('SELECT count(*)::int AS n FROM cotton_backup.referenced_chunk_recordings')).rows[0].n).toBe(0);
  });
});
