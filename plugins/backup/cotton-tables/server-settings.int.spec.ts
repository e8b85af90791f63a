import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { resolveScheduleTimeZone } from '../runtime/schedule-timezone';
import { readCottonTimeZone } from './server-settings';

describe("Cotton's time zone (server_settings)", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('ctz');
  });
  afterAll(async () => db?.drop());

  it('is absent without the table, and comes from the newest row, not the lowest id (COTTON.md §9)', async () => {
    expect(await readCottonTimeZone(db.pool)).toBeUndefined();
    await db.pool.query(`
      CREATE TABLE public.server_settings (id uuid PRIMARY KEY, timezone text NOT NULL, created_at timestamptz NOT NULL);
      INSERT INTO public.server_settings VALUES
        ('00000000-0000-4000-8000-000000000001', 'America/New_York', '2026-01-01T00:00Z'),
        ('ffffffff-0000-4000-8000-000000000001', 'Europe/Berlin', '2026-06-01T00:00Z')`);
    expect(await readCottonTimeZone(db.pool)).toBe('Europe/Berlin');
    expect(await resolveScheduleTimeZone(db.pool, undefined)).toBe('Europe/Berlin');
  });
});
