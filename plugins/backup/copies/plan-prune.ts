import { planRetention, type KeepRule } from '../retention/plan-retention';
import type { RetentionPolicy } from '../settings/retention';

export interface TargetBackup {
  backupId: string;
  manifestKey: string;
  createdAt: Date;
  /** Every object the backup needs (its manifest and chunks); undefined when its manifest is unreadable. */
  objects?: readonly string[];
}

export interface PrunePlanInputs {
  backups: readonly TargetBackup[];
  policy: RetentionPolicy;
  timeZone: string;
  /** The backup the target's pointer names: always kept. */
  latestBackupId?: string;
  /** Every key the target holds. */
  stored: readonly string[];
  /** Objects never to delete whatever marks them: the pointer, the index, Cotton's master-key sentinel. */
  alwaysKept: readonly string[];
  /** When each unmarked object was first seen unmarked by an earlier prune (key → time). */
  condemnedSince: ReadonlyMap<string, Date>;
  now: Date;
  graceMs: number;
}

export interface PrunePlan {
  decisions: { backupId: string; manifestKey: string; createdAtUtc: string; keep: boolean; rules: KeepRule[] }[];
  /** Unmarked for longer than the grace period: deleted now. */
  deletable: string[];
  /** Unmarked, but first seen so recently that it may belong to a copy in flight: left for a later prune. */
  waiting: string[];
  /** Kept backups whose manifest is unreadable: nothing may be deleted (their objects are unknown). */
  unreadable: string[];
}

/**
 * restic's prune, for a copy target (pure): retention decides which backups stay, every object
 * a kept backup needs is marked, and of the rest only what an earlier prune already saw unmarked
 * longer than the grace period ago is deleted (kopia's safety margin: a copy in flight writes its
 * objects before its manifest names them). A kept backup with an unreadable manifest stops the
 * sweep: what it needs is unknown.
 */
export function planPrune(inputs: PrunePlanInputs): PrunePlan {
  const plan = planRetention({ backups: inputs.backups, policy: inputs.policy, timeZone: inputs.timeZone, latestBackupId: inputs.latestBackupId });
  const decisions = plan.map(({ backup, keep, rules }) => ({ backupId: backup.backupId, manifestKey: backup.manifestKey, createdAtUtc: backup.createdAt.toISOString(), keep, rules }));
  const kept = plan.filter((d) => d.keep).map((d) => d.backup);
  const unreadable = kept.filter((b) => b.objects === undefined).map((b) => b.backupId);
  if (unreadable.length > 0) return { decisions, deletable: [], waiting: [], unreadable };
  const marked = new Set<string>(inputs.alwaysKept);
  for (const b of kept) for (const key of b.objects!) marked.add(key);
  const deletable: string[] = [];
  const waiting: string[] = [];
  for (const key of inputs.stored) {
    if (marked.has(key)) continue;
    const since = inputs.condemnedSince.get(key);
    if (since && inputs.now.getTime() - since.getTime() >= inputs.graceMs) deletable.push(key);
    else waiting.push(key);
  }
  return { decisions, deletable: deletable.sort(), waiting: waiting.sort(), unreadable };
}
