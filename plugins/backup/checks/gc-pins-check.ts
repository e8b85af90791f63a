import { hasChunksTable } from '../cotton-tables/chunks-table';
import { pinnedUntil } from '../cotton-tables/pin-objects';
import { objectsOfBackup } from '../retention/backup-objects';
import { ok, warn, type Check } from './check-line';
import { KEPT_BACKUPS, UNDECIDED_BACKUPS, UNPINNED_ROWS } from './sql';

/** Cotton schedules a collection at most 28 days ahead: a row held beyond a year is one of our pins. */
const PIN_FLOOR_YEARS = 1;

/**
 * Whether Cotton's GC can collect in this database (its chunks table with gc_scheduled_after),
 * and if so whether every object of every kept backup that has a chunks row is pinned off it.
 */
export const gcPinsCheck: Check = {
  name: 'cotton gc',
  needs: ['configuration', 'database', 'storage'],
  async run(env) {
    const pool = env.pool();
    if (!(await hasChunksTable(pool))) return [ok('cotton gc', "no chunks.gc_scheduled_after in this database: Cotton's GC does not collect here, nothing to pin")];
    const undecided = (await pool.query<{ n: number }>(UNDECIDED_BACKUPS)).rows[0]!.n;
    const kept = (await pool.query<{ backup_id: string; manifest_key: string }>(KEPT_BACKUPS)).rows;
    const storage = await env.storage();
    const keys = new Set<string>();
    const unreadable: string[] = [];
    for (const k of kept) {
      try {
        for (const key of (await objectsOfBackup(storage, k.manifest_key)).keys) keys.add(key);
      } catch {
        unreadable.push(k.backup_id);
      }
    }
    const unpinned = (await pool.query<{ n: number }>(UNPINNED_ROWS, [[...keys], pinnedUntil(env.now(), PIN_FLOOR_YEARS)])).rows[0]!.n;
    const retention = 'the host pins them at its next retention run (at start and on its schedule): restart it, or run `cotton-backup backup`';
    if (unreadable.length > 0) return [warn('cotton gc', `kept backups whose manifest cannot be read, so their objects cannot be pinned: ${unreadable.join(', ')}`, 'verify them (`cotton-backup verify --backup <id>`) and restore the storage from a copy target')];
    if (unpinned > 0) return [warn('cotton gc', `${unpinned} chunks rows of kept backups are not pinned off Cotton's GC`, retention)];
    if (undecided > 0) return [warn('cotton gc', `${undecided} completed backup${undecided === 1 ? '' : 's'} retention has not decided on yet`, retention)];
    return [ok('cotton gc', `Cotton's GC collects here; every chunks row of the ${kept.length} kept backup${kept.length === 1 ? '' : 's'} (${keys.size} objects) is pinned off it`)];
  },
};
