import { CronExpressionParser } from 'cron-parser';
import { DRILL_QUEUE, RETENTION_QUEUE, SCHEDULE_QUEUE, VERIFY_QUEUE } from '../core/queues';
import { ok, warn, type Check, type CheckLine } from './check-line';
import { PGBOSS_SCHEDULE_PRESENT, PGBOSS_SCHEDULES } from './sql';

const WHAT: Record<string, string> = { [SCHEDULE_QUEUE]: 'backup', [VERIFY_QUEUE]: 'verification', [DRILL_QUEUE]: 'drill', [RETENTION_QUEUE]: 'retention' };

/** The crons pg-boss holds, each with its next run; the backup's against COTTON_BACKUP_SCHEDULE. */
export const schedulesCheck: Check = {
  name: 'schedules',
  needs: ['configuration', 'database'],
  async run(env) {
    const pool = env.pool();
    const present = (await pool.query<{ present: boolean }>(PGBOSS_SCHEDULE_PRESENT)).rows[0]?.present;
    const rows = present ? (await pool.query<{ name: string; cron: string; timezone: string | null }>(PGBOSS_SCHEDULES)).rows.filter((r) => r.name.startsWith('cotton-backup-')) : [];
    const start = 'start the host (`cotton-backup serve`): it writes every schedule into pg-boss';
    if (rows.length === 0) return [warn('schedules', 'no schedule recorded in pg-boss: no host has started on this database', start)];
    const lines: CheckLine[] = rows.map((r) => {
      const tz = r.timezone ?? 'UTC';
      const next = CronExpressionParser.parse(r.cron, { tz, currentDate: env.now(), strict: false }).next().toISOString();
      return ok(`${WHAT[r.name] ?? r.name} schedule`, `"${r.cron}" (${tz}), next run ${next}`);
    });
    const configured = env.settings().schedule;
    const backup = rows.find((r) => r.name === SCHEDULE_QUEUE);
    if (!backup) lines.unshift(warn('backup schedule', 'no backup schedule recorded in pg-boss', start));
    else if (backup.cron !== configured) lines.push(warn('backup schedule', `pg-boss runs "${backup.cron}", COTTON_BACKUP_SCHEDULE says "${configured}"`, 'restart the host: it rewrites the schedule from the configuration'));
    return lines;
  },
};
