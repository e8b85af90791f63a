import type { RouteOptions } from 'fastify';
import type { Pool } from 'pg';
import { z } from 'zod';
import { firingAlerts } from '../../../metrics/firing-alerts';
import { scheduleTimes } from '../../../metrics/metrics-registry';
import type { CopySettings } from '../../../settings/copies';
import type { BackupContext } from '../../../take-backup/run-backup';
import { API_PREFIX } from '../api/context';
import { parseQuery } from '../api/query';
import { readStrategy } from './read-strategy';
import { LATEST_CHECK, LATEST_EVENTS, LATEST_SUCCEEDED, RUNNING, TIMELINE } from './sql';

const EVENT_COUNT = 25;

const querySchema = z.strictObject({
  /** Backups on the chart, the newest. */
  timeline: z.coerce.number().int().min(1).max(500).default(60),
  /** Verifications and drills in the history, the newest. */
  history: z.coerce.number().int().min(1).max(100).default(10),
});
const num = (v: string | number | null): number | null => (v === null ? null : Number(v));

/** `GET …/status?timeline=&history=`: everything the admin page shows, in one round trip (admin route). */
export function statusRoute(backup: Pick<BackupContext, 'pool' | 'storage' | 'clock'>, copies: CopySettings): RouteOptions {
  const { pool } = backup;
  return {
    method: 'GET',
    url: `${API_PREFIX}/status`,
    handler: async (request) => {
      const query = parseQuery(querySchema, request.query);
      const now = backup.clock.now();
      const [latest, running, verification, drill, schedule, timeline, events, strategy, alerts] = await Promise.all([
        pool.query(LATEST_SUCCEEDED),
        pool.query<{ running: boolean }>(RUNNING),
        latestCheck(pool, 'Verified', 'VerificationFailed', 'verification-'),
        latestCheck(pool, 'DrillPassed', 'DrillFailed', 'drill-'),
        scheduleTimes(pool),
        pool.query(TIMELINE, [query.timeline]),
        pool.query(LATEST_EVENTS, [EVENT_COUNT]),
        readStrategy(pool, backup.storage, copies, now, query.history),
        firingAlerts(pool, copies.targets.map((t) => t.name), now),
      ]);
      const l = latest.rows[0];
      return {
        latest: l
          ? {
              backupId: l.backup_id,
              finishedAt: l.finished_at,
              dumpSizeBytes: num(l.dump_bytes),
              durationMs: num(l.duration_ms),
              newBytes: num(l.new_bytes),
              storedBytesWritten: num(l.stored_bytes_written),
              verified: strategy.latestVerified,
            }
          : null,
        running: running.rows[0]!.running,
        verification,
        drill,
        schedule: schedule ? { cron: schedule.cron, timezone: schedule.timezone, nextRunAt: new Date(schedule.next * 1000).toISOString() } : null,
        timeline: timeline.rows.reverse().map((r) => ({
          backupId: r.backup_id,
          status: r.status,
          startedAt: r.started_at,
          dumpSizeBytes: num(r.dump_bytes),
          newBytes: num(r.new_bytes),
          durationMs: num(r.duration_ms),
          failedStep: r.failed_step,
        })),
        alerts,
        copies: strategy.copies,
        kept: strategy.kept,
        checks: strategy.checks,
        events: events.rows.map((e) => ({ globalPosition: e.position, type: e.type, streamId: e.stream_id, occurredAt: e.occurred_at })),
      };
    },
  };
}

async function latestCheck(pool: Pool, pass: string, fail: string, streams: string) {
  const { rows } = await pool.query(LATEST_CHECK, [pass, fail, streams]);
  const e = rows[0];
  if (!e) return null;
  // Read straight from the store, unvalidated: a row written around the appenders may hold anything.
  const problems = (Array.isArray(e.data.problems) ? e.data.problems : []).filter((p: unknown) => typeof p === 'object' && p !== null) as {
    subject?: string;
    key?: string;
    problem: string;
  }[];
  return {
    ok: e.type === pass,
    backupId: typeof e.data.backupId === 'string' ? e.data.backupId : null,
    at: e.occurred_at,
    problems: problems.slice(0, 20).map((p) => `${p.subject ?? p.key}: ${p.problem}`),
  };
}
