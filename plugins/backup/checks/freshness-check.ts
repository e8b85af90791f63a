import { age, fail, ok, warn, type Check, type CheckLine } from './check-line';
import { NEWEST_BACKUPS, NEWEST_COPIES } from './sql';
import { scheduleTimes } from '../metrics/metrics-registry';

const DAY_MS = 86_400_000;

/**
 * How old the newest verified backup, and the newest copy on each target, are. Stale is older
 * than two runs of the backup schedule as pg-boss holds it (two days without one).
 */
export const freshnessCheck: Check = {
  name: 'freshness',
  needs: ['configuration', 'database'],
  async run(env) {
    const pool = env.pool();
    const now = env.now().getTime();
    const interval = (await scheduleTimes(pool))?.interval;
    const staleMs = 2 * (interval ? interval * 1000 : DAY_MS);
    const row = (await pool.query<{ newest_backup: Date | null; newest_verified: Date | null; verified_backup: string | null }>(NEWEST_BACKUPS)).rows[0]!;
    const lines: CheckLine[] = [];
    if (!row.newest_backup) lines.push(fail('newest backup', 'no backup has completed yet', 'take one: `cotton-backup backup` (or wait for the schedule)'));
    else if (!row.newest_verified) lines.push(warn('newest backup', `newest completed ${age(now - row.newest_backup.getTime())} ago, but none verified yet`, 'verify it: `cotton-backup verify`'));
    else {
      const verifiedAge = now - row.newest_verified.getTime();
      const text = `${row.verified_backup} verified ${age(verifiedAge)} ago`;
      lines.push(verifiedAge > staleMs ? warn('newest backup', `${text}: older than ${age(staleMs)}`, 'check the host runs its backup and verification schedules; `cotton-backup backup` then `cotton-backup verify`') : ok('newest backup', text));
    }
    const targets = env.settings().copies.targets.map((t) => t.name);
    if (targets.length === 0) return lines;
    const copies = await pool.query<{ target: string; newest_copy: Date | null; held: number }>(NEWEST_COPIES, [targets]);
    for (const c of copies.rows) {
      const name = `newest copy on ${c.target}`;
      if (!c.newest_copy) lines.push(warn(name, 'no backup copied there yet', '`cotton-backup copies --sync`'));
      else {
        const copyAge = now - c.newest_copy.getTime();
        const text = `${age(copyAge)} ago (${c.held} backup${c.held === 1 ? '' : 's'} held)`;
        lines.push(copyAge > staleMs ? warn(name, `${text}: older than ${age(staleMs)}`, 'see `cotton-backup copies` for its last error, then `cotton-backup copies --sync`') : ok(name, text));
      }
    }
    return lines;
  },
};
