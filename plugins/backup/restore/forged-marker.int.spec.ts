import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage } from '../../../src/storage/open/create-storage';
import { seedCottonDatabase, snapshotTables } from '../../../test/support/cotton-schema';
import { adminQuery } from '../../../test/support/database';
import { runBackup } from '../take-backup/run-backup';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { restoreTargetState } from './database-state';
import { restoreBackup, TargetNotEmptyError } from './restore-backup';
import { restoreMarkerKey } from './restore-marker';
import { restoreFromStorage } from './restore-from-storage';

const LATER_ROW = "INSERT INTO users (id, username, role) VALUES ('00000000-0000-4000-8000-0000000000ff', 'later', 1)";
const MARKER_SCHEMA_PRESENT = "SELECT to_regnamespace('cotton_restore_in_progress') IS NOT NULL AS present";

/**
 * Issue 10 point 1: any role with CREATE on the database can make a schema named like our
 * half-restored marker. Its name alone must never get a populated database wiped.
 */
describe('a forged cotton_restore_in_progress schema never wipes a populated database', () => {
  let f: BackupFixture;
  beforeAll(async () => {
    f = await createBackupFixture('rforge');
    await seedCottonDatabase(f.db.pool);
    await runBackup(f.services.backup);
    await f.db.pool.query(LATER_ROW);
  });
  afterAll(() => f.cleanup());

  const forgeries: [string, string][] = [
    ['an empty schema', 'CREATE SCHEMA cotton_restore_in_progress'],
    [
      'a schema with a marker row and a made-up MAC',
      `CREATE SCHEMA cotton_restore_in_progress;
       CREATE TABLE cotton_restore_in_progress.marker (restore_id text, backup_id text, manifest_key text, mac text);
       INSERT INTO cotton_restore_in_progress.marker VALUES ('00000000-0000-4000-8000-000000000001', '${'0'.repeat(32)}', '${'a'.repeat(64)}', '${'b'.repeat(64)}')`,
    ],
  ];

  for (const [name, forge] of forgeries) {
    it(`${name} with a backup in storage: the startup restore leaves every row, the later one included`, async () => {
      await f.db.pool.query(forge);
      try {
        const before = await snapshotTables(f.db.pool);
        const ctx = f.services.restoreContext();
        expect(await restoreFromStorage(ctx, { enabled: true, fallback: 'none' })).toBeUndefined();
        expect(await snapshotTables(f.db.pool)).toEqual(before);
        expect((await f.db.pool.query("SELECT count(*)::int AS n FROM users WHERE username = 'later'")).rows[0].n).toBe(1);
        // Not ours to drop either: nothing is touched.
        expect((await f.db.pool.query(MARKER_SCHEMA_PRESENT)).rows[0].present).toBe(true);
        // An explicit restore refuses, naming the marker and saying nothing was touched.
        const refused = await restoreBackup(ctx, { trigger: 'cli' }).catch((e: Error) => e);
        expect(refused).toBeInstanceOf(TargetNotEmptyError);
        expect((refused as Error).message).toMatch(/cotton_restore_in_progress/);
        expect((refused as Error).message).toMatch(/nothing was touched/);
        expect(await snapshotTables(f.db.pool)).toEqual(before);
      } finally {
        await f.db.pool.query('DROP SCHEMA IF EXISTS cotton_restore_in_progress CASCADE');
      }
    });
  }

  it('a marker schema owned by another role is not even read (a view there would run its functions with our privileges)', async () => {
    const role = `rforge_${randomBytes(4).toString('hex')}`;
    await adminQuery(`CREATE ROLE ${role}`);
    await f.db.pool.query('CREATE TABLE public.trojan_ran (at timestamptz)');
    try {
      await f.db.pool.query(`GRANT CREATE ON DATABASE "${f.db.name}" TO ${role}; GRANT INSERT ON public.trojan_ran TO ${role}`);
      await f.db.pool.query(`SET ROLE ${role};
        CREATE SCHEMA cotton_restore_in_progress;
        GRANT USAGE ON SCHEMA cotton_restore_in_progress TO PUBLIC;
        CREATE FUNCTION cotton_restore_in_progress.trojan() RETURNS text LANGUAGE sql AS 'INSERT INTO public.trojan_ran VALUES (now()) RETURNING ''x''';
        CREATE VIEW cotton_restore_in_progress.marker AS
          SELECT cotton_restore_in_progress.trojan() AS restore_id, 'b' AS backup_id, 'k' AS manifest_key, 'm' AS mac;
        GRANT SELECT ON cotton_restore_in_progress.marker TO PUBLIC;
        RESET ROLE`);
      const state = await restoreTargetState(f.db.pool, restoreMarkerKey(f.masterEncryptionKey));
      expect((await f.db.pool.query('SELECT count(*)::int AS n FROM public.trojan_ran')).rows[0].n).toBe(0);
      expect(state).toEqual({ empty: false, marker: { kind: 'unverified', detail: expect.stringMatching(new RegExp(`owned by role "${role}"`)) } });
    } finally {
      await f.db.pool.query('DROP SCHEMA IF EXISTS cotton_restore_in_progress CASCADE; DROP TABLE public.trojan_ran');
      await f.db.pool.query(`REVOKE ALL ON DATABASE "${f.db.name}" FROM ${role}`);
      await adminQuery(`DROP ROLE ${role}`);
    }
  });

  it('with an empty storage root: the database is untouched and no message claims it was emptied', async () => {
    const emptyRoot = await mkdtemp(join(tmpdir(), 'rforge-empty-'));
    await f.db.pool.query('CREATE SCHEMA cotton_restore_in_progress');
    try {
      const before = await snapshotTables(f.db.pool);
      const storage = createStorage({ root: join(emptyRoot, 'files'), masterEncryptionKey: f.masterEncryptionKey });
      const ctx = { ...f.services.restoreContext(), storage };
      const outcome = await restoreFromStorage(ctx, { enabled: true, fallback: 'none' }).catch((e: Error) => e);
      expect(outcome).toBeUndefined();
      expect(await snapshotTables(f.db.pool)).toEqual(before);
      const refused = await restoreBackup(ctx, { trigger: 'cli' }).catch((e: Error) => e);
      expect(refused).toBeInstanceOf(TargetNotEmptyError);
      expect((refused as Error).message).not.toMatch(/left empty|wiped/);
      expect(await snapshotTables(f.db.pool)).toEqual(before);
    } finally {
      await f.db.pool.query('DROP SCHEMA IF EXISTS cotton_restore_in_progress CASCADE');
      await rm(emptyRoot, { recursive: true, force: true });
    }
  });
});
