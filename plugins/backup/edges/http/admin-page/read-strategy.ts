import type { Pool } from 'pg';
import type { ObjectStorage } from '../../../../../src/storage/object-storage';
import { readBackupInfo } from '../../../checks/backup-info';
import { readTargetStates } from '../../../copies/target-states';
import { readNewest } from '../../../events';
import { COPY_TARGET_STATES, LATEST_BACKUP_VERIFIED } from '../../../metrics/sql';
import type { CopySettings } from '../../../settings/copies';

/**
 * What the page shows beyond the last backup: each copy target's state, the backups retention
 * keeps (its own decision, recorded in backup_history, and `info`'s restore command), the recent
 * verifications and drills, and whether the latest backup was ever verified.
 */
export async function readStrategy(pool: Pool, storage: ObjectStorage, copies: CopySettings, now: Date, historyLength: number) {
  const [targets, behind, backups, checks, latestVerified] = await Promise.all([
    readTargetStates(pool, copies, now),
    pool.query<{ target: string; behind: number }>(COPY_TARGET_STATES, [copies.targets.map((t) => t.name)]),
    readBackupInfo(pool, storage),
    readNewest(pool, { limit: historyLength, types: ['Verified', 'VerificationFailed', 'DrillPassed', 'DrillFailed'] }),
    pool.query<{ verified: boolean | null }>(LATEST_BACKUP_VERIFIED),
  ]);
  const behindOf = new Map(behind.rows.map((r) => [r.target, r.behind]));
  return {
    // The latest backup's last verification in the primary: true, false, null when none ran on it.
    latestVerified: latestVerified.rows[0]?.verified ?? null,
    copies: targets.map((t) => ({
      target: t.target,
      url: t.url ?? null,
      configured: t.configured,
      lastSuccessAt: t.lastSuccessAt,
      lastBackupId: t.lastBackupId,
      lastFailureAt: t.lastFailureAt,
      // The error of the last failure, while no copy has succeeded since.
      failing: t.lastFailureAt !== null && (t.lastSuccessAt === null || t.lastFailureAt > t.lastSuccessAt),
      lastError: t.lastError,
      backupsHeld: t.backupsHeld,
      backupsBehind: behindOf.get(t.target) ?? 0,
      copiesFailed: t.copiesFailed,
      overdue: t.overdue,
    })),
    kept: backups
      .filter((b) => b.retention !== 'expired')
      .map((b) => ({ backupId: b.backupId, createdAt: b.createdAt, retention: b.retention, keptBy: b.keptBy, heldOn: b.heldOn, verifiedAt: b.verifiedAt, drilledAt: b.drilledAt, restore: b.restore })),
    checks: checks.events.map((e) => {
      const d = e.data as { backupId?: string; problems?: { subject?: string; key?: string; problem: string }[]; durationMs?: number };
      const target = typeof e.metadata.target === 'string' ? e.metadata.target : null;
      return {
        kind: e.type.startsWith('Drill') ? 'drill' : 'verification',
        ok: e.type === 'Verified' || e.type === 'DrillPassed',
        backupId: d.backupId ?? null,
        target,
        at: e.occurredAt,
        durationMs: typeof d.durationMs === 'number' ? d.durationMs : null,
        problems: (d.problems ?? []).slice(0, 5).map((p) => `${p.subject ?? p.key}: ${p.problem}`),
      };
    }),
  };
}
