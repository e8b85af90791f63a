import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { COTTON_SERVER_SETTINGS_EXISTS, COTTON_SERVER_TIMEZONE } from './sql';

/** IANA zones this runtime knows; what pg-boss (cron-parser) can evaluate too. */
export function isKnownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * The schedule's time zone: COTTON_BACKUP_TIMEZONE when set (an unknown zone is an operator
 * error), else Cotton's `server_settings.timezone` when that table has a usable row, else UTC.
 */
export async function resolveScheduleTimeZone(pool: Pool, configured: string | undefined, logger?: Logger): Promise<string> {
  if (configured !== undefined) {
    if (!isKnownTimeZone(configured)) {
      throw new Error(`COTTON_BACKUP_TIMEZONE: "${configured}" is not a known IANA time zone (e.g. Europe/Berlin, UTC)`);
    }
    return configured;
  }
  const exists = await pool.query<{ present: boolean }>(COTTON_SERVER_SETTINGS_EXISTS);
  if (!exists.rows[0]?.present) return 'UTC';
  const { rows } = await pool.query<{ timezone: string | null }>(COTTON_SERVER_TIMEZONE);
  const tz = rows[0]?.timezone?.trim();
  if (!tz) return 'UTC';
  if (!isKnownTimeZone(tz)) {
    logger?.warn({ timezone: tz.slice(0, 100) }, "Cotton's server_settings.timezone is not a known IANA zone; scheduling backups in UTC");
    return 'UTC';
  }
  return tz;
}
