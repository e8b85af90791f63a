import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '../../../src/contract/services';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import type { NewEvent } from '../events';
import type { Journal } from '../projections/journal';
import { clipMessage } from '../core/message-limit';
import { objectsOfBackup } from './backup-objects';
import { bytesToFree, type BytesToFree } from './bytes-to-free';
import { currentPointer, discoverUncatalogued } from './discover-uncatalogued';
import { planRetention, type KeepRule } from './plan-retention';
import { protectKeptBackups, type ProtectionReport } from './protect-kept-backups';
import { describePolicy, type RetentionPolicy } from '../settings/retention';
import { LATEST_PROJECTED, RETENTION_CANDIDATES, RETENTION_LOCK, TRY_EXPIRE_LOCK } from './sql';

export interface RetentionContext {
  pool: Pool;
  journal: Journal;
  storage: ObjectStorage;
  masterEncryptionKey: Buffer;
  policy: RetentionPolicy;
  /** The server's time zone (COTTON_BACKUP_TIMEZONE, else Cotton's server_settings, else UTC). */
  timeZone(): Promise<string>;
  clock: Clock;
  logger?: Logger;
}

export interface RetentionDecisionView {
  backupId: string;
  origin: 'ours' | 'foreign';
  createdAtUtc: string;
  manifestKey: string;
  keep: boolean;
  rules: KeepRule[];
  /** What this run changes in the catalogue: a new or changed reason to keep, an expiry, or nothing. */
  change: 'keep' | 'expire' | 'none';
}

export interface RetentionReport {
  dryRun: boolean;
  policy: string;
  timeZone: string;
  /** Backups found in storage that this run catalogued (in a dry run: the pointer's, if new). */
  noticed: string[];
  decisions: RetentionDecisionView[];
  /** Undefined in a dry run: nothing is pinned or released. */
  protection?: ProtectionReport;
  /** With `measureFreed`: what this run hands Cotton's GC to delete (in a dry run, would). */
  freed?: BytesToFree;
}

export interface RetentionOptions {
  dryRun?: boolean;
  replacedPointers?: (string | null)[];
  /** Backups to expire whatever the policy says (`forget <id>`); the pointer's and those being read stay. */
  forget?: readonly string[];
  /** Measure the stored bytes the expiries free (a stat per object): the CLI asks, the schedules do not. */
  measureFreed?: boolean;
}

interface CandidateRow {
  backup_id: string;
  origin: 'ours' | 'foreign';
  manifest_key: string;
  retention: string | null;
  retention_rules: string[];
  /** Recorded unreadable (ManifestUnreadable) and not readable since. */
  unreadable: boolean;
  created_at: string;
}

/**
 * Applies the policy now: plan (pure, planRetention), then execute under one lock (record
 * BackupKept/BackupExpired, pin every object of every kept backup, release what expired backups
 * alone used), then record ObjectsReleased. `dryRun` plans and reports, changing nothing.
 * `replacedPointers`: manifest keys the pointer named before a backup of ours replaced it (maybe Cotton's).
 */
export async function applyRetention(ctx: RetentionContext, options: RetentionOptions = {}): Promise<RetentionReport> {
  const dryRun = options.dryRun === true;
  const client = await ctx.pool.connect();
  let committed = false;
  try {
    await client.query('BEGIN');
    await client.query(RETENTION_LOCK);
    const pointer = await currentPointer(ctx);
    const noticed: string[] = [];
    if (!dryRun) noticed.push(...(await discoverUncatalogued(ctx, pointer, options.replacedPointers ?? [])));
    const rows = (await client.query<CandidateRow>(RETENTION_CANDIDATES)).rows;
    // The manifest's time is the backup's (Cotton's own and restored backups included); the
    // catalogue's start time stands in when the manifest is unreadable.
    const candidates = await Promise.all(rows.map(async (r) => {
      const createdAt = await objectsOfBackup(ctx.storage, r.manifest_key).then((o) => o.createdAtUtc, () => r.created_at);
      return { ...r, backupId: r.backup_id, createdAt: new Date(createdAt) };
    }));
    if (dryRun && pointer && !rows.some((r) => r.backup_id === pointer.backupId)) noticed.push(pointer.backupId);
    const latestBackupId = pointer?.backupId ?? (await client.query<{ backup_id: string }>(LATEST_PROJECTED)).rows[0]?.backup_id;
    const timeZone = await ctx.timeZone();
    const inputs = { backups: candidates, policy: ctx.policy, timeZone, latestBackupId, forget: new Set(options.forget ?? []) };
    // Expiry takes each backup's read lock for this transaction: a reader holding it keeps its backup.
    const inUse = new Set<string>();
    for (const d of planRetention(inputs).filter((x) => !x.keep)) {
      const { rows: lock } = await client.query<{ free: boolean }>(TRY_EXPIRE_LOCK, [d.backup.backupId]);
      if (!lock[0]!.free) inUse.add(d.backup.backupId);
    }
    const plan = planRetention({ ...inputs, inUse });
    const policy = describePolicy(ctx.policy);
    const decisions: RetentionDecisionView[] = plan.map(({ backup, keep, rules }) => ({
      backupId: backup.backupId,
      origin: backup.origin,
      createdAtUtc: backup.createdAt.toISOString(),
      manifestKey: backup.manifest_key,
      keep,
      rules,
      change: !keep ? 'expire' : backup.retention === 'kept' && sameRules(backup.retention_rules, rules) ? 'none' : 'keep',
    }));
    const freed = options.measureFreed ? await bytesToFree(ctx.storage, ctx.masterEncryptionKey, decisions) : undefined;
    if (dryRun) return { dryRun, policy, timeZone, noticed, decisions, ...(freed ? { freed } : {}) };

    for (const d of decisions.filter((x) => x.change !== 'none')) {
      const event: NewEvent = d.keep
        ? { type: 'BackupKept', data: { backupId: d.backupId, manifestKey: d.manifestKey, rules: d.rules, policy } }
        : { type: 'BackupExpired', data: { backupId: d.backupId, manifestKey: d.manifestKey, policy } };
      await ctx.journal.append(retentionStream(d.backupId), [event]);
    }
    const kept = decisions.filter((d) => d.keep).map((d) => ({ backupId: d.backupId, manifestKey: d.manifestKey }));
    const protection = await protectKeptBackups(client, { storage: ctx.storage, masterEncryptionKey: ctx.masterEncryptionKey, kept, now: ctx.clock.now(), logger: ctx.logger });
    await client.query('COMMIT');
    committed = true;
    await recordReadability(ctx, rows, new Set(kept.map((k) => k.backupId)), protection);
    for (const r of protection.released) {
      await ctx.journal.append(retentionStream(r.backupId), [{ type: 'ObjectsReleased', data: { ...r, chunksTable: protection.chunksTable } }]);
    }
    if (!protection.chunksTable) ctx.logger?.info("no Cotton chunks table in this database: retention decided, but there is nothing to protect from Cotton's GC");
    return { dryRun, policy, timeZone, noticed, decisions, protection, ...(freed ? { freed } : {}) };
  } finally {
    if (!committed) await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

/** A kept backup's manifest becoming unreadable, or readable again, is recorded once, on the change. */
async function recordReadability(ctx: RetentionContext, rows: readonly CandidateRow[], kept: ReadonlySet<string>, protection: ProtectionReport): Promise<void> {
  const unreadable = new Map(protection.unreadable.map((u) => [u.backupId, u]));
  for (const r of rows) {
    const now = unreadable.get(r.backup_id);
    if (now && !r.unreadable) {
      await ctx.journal.append(retentionStream(r.backup_id), [{ type: 'ManifestUnreadable', data: { backupId: r.backup_id, manifestKey: r.manifest_key, problem: clipMessage(now.message) } }]);
    } else if (!now && r.unreadable && kept.has(r.backup_id)) {
      await ctx.journal.append(retentionStream(r.backup_id), [{ type: 'ManifestReadable', data: { backupId: r.backup_id, manifestKey: r.manifest_key } }]);
    }
  }
}

/** Retention's decisions about a backup live beside its own stream, which stays the story of how it was made. */
export function retentionStream(backupId: string): string {
  return `retention-${backupId}`;
}

function sameRules(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}
