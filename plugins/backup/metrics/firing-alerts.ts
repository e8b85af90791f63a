import type { Pool } from 'pg';
import { evaluateAlerts, type AlertInputs, type FiringAlert } from './alert-rules';
import { scheduleTimes } from './metrics-registry';
import { BACKUP_TOTALS, CHECK_TOTALS, COPY_TARGET_STATES, FAILURES_LAST_DAY, LATEST_BACKUP_VERIFIED, PENDING_REQUEST_COUNT, REPOSITORY_TOTALS } from './sql';

type CheckRow = { last_success: number | null; last_ok: boolean | null };

/** The example alerts that hold now, read from the statements the metrics read (admin page). */
export async function firingAlerts(pool: Pool, targets: readonly string[], now: Date): Promise<FiringAlert[]> {
  const [totals, verification, drill, latest, pending, schedule, copies, recent, repository] = await Promise.all([
    pool.query(BACKUP_TOTALS),
    pool.query<CheckRow>(CHECK_TOTALS, ['Verified', 'VerificationFailed', 'verification-']),
    pool.query<CheckRow>(CHECK_TOTALS, ['DrillPassed', 'DrillFailed', 'drill-']),
    pool.query<{ verified: boolean | null }>(LATEST_BACKUP_VERIFIED),
    pool.query<{ n: number }>(PENDING_REQUEST_COUNT),
    scheduleTimes(pool),
    pool.query(COPY_TARGET_STATES, [targets]),
    pool.query(FAILURES_LAST_DAY, [now]),
    pool.query<{ unreadable_manifests: number }>(REPOSITORY_TOTALS),
  ]);
  const t = totals.rows[0]!;
  const r = recent.rows[0]!;
  const inputs: AlertInputs = {
    now: now.getTime() / 1000,
    scheduleInterval: schedule?.interval ?? null,
    lastBackupSuccess: t.last_success,
    backupsSucceeded: t.succeeded,
    unreadableManifests: repository.rows[0]!.unreadable_manifests,
    backupsFailed: t.failed,
    backupsFailedLastDay: r.backups_failed,
    pendingRequests: pending.rows[0]!.n,
    verificationLastSuccess: verification.rows[0]!.last_success,
    verificationLastOk: verification.rows[0]!.last_ok,
    latestVerified: latest.rows[0] ? latest.rows[0].verified : undefined,
    latestFinished: r.latest_finished,
    drillLastSuccess: drill.rows[0]!.last_success,
    drillLastOk: drill.rows[0]!.last_ok,
    copies: copies.rows.map((c) => ({ target: c.target, lastSuccess: c.last_success, behind: c.behind, failedLastDay: Number(r.copies_failed[c.target] ?? 0) })),
  };
  return evaluateAlerts(inputs);
}
