import type { Pool } from 'pg';
import type { CopySettings } from '../settings/copies';
import { TARGET_STATES } from './sql';

export interface TargetState {
  target: string;
  url?: string;
  /** False for a target with a history that COTTON_BACKUP_COPIES no longer lists. */
  configured: boolean;
  lastSuccessAt: Date | null;
  lastBackupId: string | null;
  lastFailureAt: Date | null;
  lastError: string | null;
  copiesCompleted: number;
  copiesFailed: number;
  backupsHeld: number;
  objectsSent: number;
  bytesSent: number;
  objectsSkipped: number;
  bytesSkipped: number;
  /** No success for longer than COTTON_BACKUP_COPY_ALERT_AFTER. */
  overdue: boolean;
}

/** Every configured target, then every target with a history, with its state from copy_targets. */
export async function readTargetStates(pool: Pool, settings: CopySettings, now: Date): Promise<TargetState[]> {
  const { rows } = await pool.query(TARGET_STATES);
  const byName = new Map(rows.map((r) => [r.target as string, r]));
  const names = [...settings.targets.map((t) => t.name), ...rows.map((r) => r.target as string).filter((n) => !settings.targets.some((t) => t.name === n))];
  return names.map((name) => {
    const r = byName.get(name);
    const since: Date | undefined = r ? (r.last_success_at ?? r.first_seen_at) : undefined;
    return {
      target: name,
      url: settings.targets.find((t) => t.name === name)?.url,
      configured: settings.targets.some((t) => t.name === name),
      lastSuccessAt: r?.last_success_at ?? null,
      lastBackupId: r?.last_backup_id ?? null,
      lastFailureAt: r?.last_failure_at ?? null,
      lastError: r?.last_error ?? null,
      copiesCompleted: r?.copies_completed ?? 0,
      copiesFailed: r?.copies_failed ?? 0,
      backupsHeld: r?.backups_held ?? 0,
      objectsSent: Number(r?.objects_sent ?? 0),
      bytesSent: Number(r?.bytes_sent ?? 0),
      objectsSkipped: Number(r?.objects_skipped ?? 0),
      bytesSkipped: Number(r?.bytes_skipped ?? 0),
      overdue: since !== undefined && now.getTime() - since.getTime() > settings.alertAfterMs,
    };
  });
}
