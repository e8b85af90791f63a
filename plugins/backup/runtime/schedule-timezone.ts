import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { isTimeZone as isKnownTimeZone } from '../../../src/config/variables';
import { readCottonTimeZone } from '../cotton-tables/server-settings';

/**
 * The schedule's time zone: COTTON_BACKUP_TIMEZONE when set (an unknown zone is an operator
 * error), else Cotton's `server_settings.timezone` (newest row) when usable, else UTC.
 */
export async function resolveScheduleTimeZone(pool: Pool, configured: string | undefined, logger?: Logger): Promise<string> {
  if (configured !== undefined) {
    if (!isKnownTimeZone(configured)) {
      throw new Error(`COTTON_BACKUP_TIMEZONE: "${configured}" is not a known IANA time zone (e.g. Europe/Berlin, UTC)`);
    }
    return configured;
  }
  const tz = await readCottonTimeZone(pool);
  if (!tz) return 'UTC';
  if (!isKnownTimeZone(tz)) {
    logger?.warn({ timezone: tz.slice(0, 100) }, "Cotton's server_settings.timezone is not a known IANA zone; scheduling backups in UTC");
    return 'UTC';
  }
  return tz;
}
