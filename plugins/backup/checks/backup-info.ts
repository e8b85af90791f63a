import type { Pool } from 'pg';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { BACKUP_INFO, BACKUP_SCHEMA_PRESENT } from './sql';

/** One backup as `cotton-backup info` shows it. */
export interface BackupInfo {
  backupId: string;
  origin: string;
  createdAt: string;
  durationMs: number | null;
  dumpBytes: number | null;
  storedBytes: number | null;
  /** 'primary' when the primary storage holds its manifest now, then each copy target recorded to hold it. */
  heldOn: string[];
  /** kept / expired / undecided, and the keep rules (the vocabulary's KEEP_RULES) that keep it. */
  retention: string;
  keptBy: string[];
  verifiedAt: string | null;
  drilledAt: string | null;
  /** The command that restores it; null when nothing holds it any more. */
  restore: string | null;
}

interface Row {
  backup_id: string; origin: string; started_at: Date; duration_ms: number | null; dump_bytes: number | null; stored_bytes: number | null;
  manifest_key: string; retention: string | null; retention_rules: string[]; verified_at: Date | null; drilled_at: Date | null; copies: string[];
}

/**
 * Every completed backup, newest first; where it is held is asked of the primary storage (its
 * manifest), not assumed. None on a database without the plugin's schema: nothing is migrated here.
 */
export async function readBackupInfo(pool: Pool, storage: ObjectStorage): Promise<BackupInfo[]> {
  if (!(await pool.query<{ present: boolean }>(BACKUP_SCHEMA_PRESENT)).rows[0]?.present) return [];
  const { rows } = await pool.query<Row>(BACKUP_INFO);
  const out: BackupInfo[] = [];
  for (const r of rows) {
    const onPrimary = (await storage.size(r.manifest_key).catch(() => undefined)) !== undefined;
    const heldOn = [...(onPrimary ? ['primary'] : []), ...r.copies];
    out.push({
      backupId: r.backup_id,
      origin: r.origin,
      createdAt: r.started_at.toISOString(),
      durationMs: r.duration_ms,
      dumpBytes: r.dump_bytes,
      storedBytes: r.stored_bytes,
      heldOn,
      retention: r.retention ?? 'undecided',
      keptBy: r.retention === 'kept' ? r.retention_rules : [],
      verifiedAt: r.verified_at?.toISOString() ?? null,
      drilledAt: r.drilled_at?.toISOString() ?? null,
      restore: onPrimary ? `cotton-backup restore --backup ${r.backup_id}` : r.copies[0] ? `cotton-backup restore --backup ${r.backup_id} --from ${r.copies[0]}` : null,
    });
  }
  return out;
}
