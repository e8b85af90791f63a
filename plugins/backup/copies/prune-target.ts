import { BackupIndexUnreadableError, backupIndexKey, readBackupIndex, writeBackupIndex, type IndexEntry } from '../repository/backup-index';
import { targetBehindRecord } from './target-behind-record';
import { readManifest, readPointer } from '../repository/manifest-store';
import { MASTER_KEY_SENTINEL } from '../cotton-tables/never-touched';
import { describePolicy } from '../settings/retention';
import { failpoint } from '../core/failpoints';
import { pointerStorageKey } from '../../../src/keys/keys';
import type { CopyContext, PrunePolicy } from './copy-context';
import { tryTargetLock } from './target-lock';
import { copyStream } from './copy-stream';
import { openTargetFor, type OpenedTarget } from './open-target';
import { proveTargetIdentity, TargetIdentityError } from './prove-target-identity';
import { planPrune, type PrunePlan, type TargetBackup } from './plan-prune';
import type { CopyTarget } from '../settings/copies';
import { ABSOLVE, CONDEMN, CONDEMNED } from './sql';
import { keysCottonKnows } from './keys-cotton-knows';
import { BackupPluginError } from '../core/errors';

export interface PruneReport extends PrunePlan {
  target: string;
  dryRun: boolean;
  policy: string;
  deletedObjects: number;
  bytesFreed: number;
  /** Objects due for deletion that Cotton's chunks table names: kept (they may be Cotton's). */
  keptForCotton: number;
}

export class PruneRefusedError extends BackupPluginError {
  constructor(target: string, why: string) {
    super('COPY_PRUNE_REFUSED', `prune of copy target ${target} refused, nothing deleted: ${why}`);
  }
}

export class TargetBusyError extends BackupPluginError {
  constructor(target: string) {
    super('COPY_TARGET_BUSY', `copy target ${target} is being copied to or pruned by another process right now; try again when it is done`);
  }
}

/**
 * Prunes one copy target: plan (retention over the target's own index and pointer, then
 * mark-and-sweep, planPrune), then execute under the target's lock (the one copies take, so no
 * copy of this deployment is in flight): the index rewritten without the expired backups, newly
 * unmarked objects remembered, those unmarked past the grace period deleted; then TargetPruned
 * recorded. The pointer and what it names are never touched. `dryRun` plans and changes nothing.
 */
export type PruneContext = CopyContext & PrunePolicy;

export async function pruneTarget(ctx: PruneContext, target: CopyTarget, options: { dryRun?: boolean } = {}): Promise<PruneReport> {
  const dryRun = options.dryRun === true;
  const held = await tryTargetLock(ctx.pool, target.name);
  if (!held) throw new TargetBusyError(target.name);
  try {
    const opened = await openTargetFor(ctx, target);
    try {
      return await pruneLocked(ctx, opened, dryRun);
    } finally {
      await opened.close();
    }
  } finally {
    await held.release();
  }
}

/** The prune itself, for a caller that holds the target's lock (pruneTarget, or a copy run just done). */
export async function pruneLocked(ctx: PruneContext, opened: OpenedTarget, dryRun: boolean): Promise<PruneReport> {
  const name = opened.target.name;
  const mek = ctx.masterEncryptionKey;
  // Before anything is read: a prune of the primary under another name deletes Cotton's files.
  await proveTargetIdentity(ctx, opened, { readOnly: dryRun }).catch((error: Error) => {
    throw error instanceof TargetIdentityError ? new PruneRefusedError(name, error.why) : error;
  });
  const pointerKey = pointerStorageKey(mek);
  const pointer = await readPointer(opened.storage, pointerKey);
  const index = await readBackupIndex(opened.storage, mek).catch((error: Error) => {
    throw error instanceof BackupIndexUnreadableError ? new PruneRefusedError(name, error.message) : error;
  });
  const { rows } = await ctx.pool.query<{ key: string; since: Date }>(CONDEMNED, [name]);
  const behind = await targetBehindRecord(ctx.pool, name, opened.storage, mek, new Set(rows.map((r) => r.key)));
  if (behind) throw new PruneRefusedError(name, `the target is behind this database's record of what was copied there: ${behind}. The next copy run (\`cotton-backup copies --sync\`) puts back what is still there`);
  const entries: IndexEntry[] = [...index];
  if (pointer && !entries.some((e) => e.manifestKey === pointer.latestManifestStorageKey)) {
    entries.unshift({ manifestKey: pointer.latestManifestStorageKey, backupId: pointer.latestBackupId, createdAtUtc: pointer.updatedAtUtc });
  }
  const backups: TargetBackup[] = await Promise.all(
    entries.map(async (e) => {
      const manifest = await readManifest(opened.storage, e.manifestKey).catch(() => undefined);
      return {
        backupId: e.backupId,
        manifestKey: e.manifestKey,
        createdAt: new Date(manifest?.createdAtUtc ?? e.createdAtUtc),
        objects: manifest ? [e.manifestKey, ...manifest.chunks.map((c) => c.storageKey)] : undefined,
      };
    }),
  );
  const stored: string[] = [];
  for await (const key of opened.backend.list()) stored.push(key);
  // Without a readable pointer nothing is known to be kept: sweeping would take everything.
  if (stored.length > 0 && !pointer) {
    throw new PruneRefusedError(name, 'it holds objects but no latest-backup pointer under this master key (is COTTON_MASTER_KEY the one the copies were made with?)');
  }
  const now = ctx.clock.now();
  const plan = planPrune({
    backups,
    policy: ctx.policy,
    timeZone: await ctx.timeZone(),
    latestBackupId: pointer?.latestBackupId,
    stored,
    alwaysKept: [pointerKey, backupIndexKey(mek), MASTER_KEY_SENTINEL],
    condemnedSince: new Map(rows.map((r) => [r.key, r.since])),
    now,
    graceMs: ctx.settings.pruneGraceMs,
  });
  const policy = describePolicy(ctx.policy);
  // Defence in depth: whatever the checks above missed, an object Cotton has a row for is Cotton's
  // (a user file's chunk, if this "target" is the primary after all). It stays, still condemned.
  const cottons = await keysCottonKnows(ctx.pool, plan.deletable);
  const report: PruneReport = { ...plan, target: name, dryRun, policy, deletedObjects: 0, bytesFreed: 0, keptForCotton: cottons.size };
  if (dryRun || plan.unreadable.length > 0) return report;

  const expired = plan.decisions.filter((d) => !d.keep).map((d) => d.backupId);
  // Condemned before the index drops them: until TargetPruned forgets them, the record still says
  // the target holds them, and a condemned manifest is how targetBehindRecord knows why it is gone.
  await ctx.pool.query(CONDEMN, [name, plan.waiting, now]);
  // The index next: a restore never looks for a backup whose objects are about to go.
  if (expired.length > 0) await writeBackupIndex(opened.storage, mek, index.filter((e) => !expired.includes(e.backupId)));
  if (cottons.size > 0) ctx.logger?.warn({ target: name, objects: cottons.size }, "prune kept objects that have a row in Cotton's chunks table; they are deleted once Cotton has none");
  const deletedKeys: string[] = [];
  for (const key of plan.deletable.filter((k) => !cottons.has(k))) {
    const size = await opened.backend.size(key);
    if (await opened.backend.delete(key)) {
      deletedKeys.push(key);
      report.deletedObjects += 1;
      report.bytesFreed += size ?? 0;
    }
    await failpoint('prune.afterDelete');
  }
  await ctx.pool.query(ABSOLVE, [name, [...plan.waiting, ...cottons]]);
  await ctx.journal.append(copyStream(name), [
    {
      type: 'TargetPruned',
      data: {
        target: name,
        policy,
        keptBackups: plan.decisions.length - expired.length,
        expiredBackupIds: expired,
        deletedObjects: report.deletedObjects,
        bytesFreed: report.bytesFreed,
        deletedKeys: deletedKeys.slice(0, 1000),
        waitingObjects: plan.waiting.length,
      },
    },
  ]);
  return report;
}
