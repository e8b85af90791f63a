import { setTimeout as sleep } from 'node:timers/promises';
import { redactSecrets } from '../../../src/config/secrets';
import { copyStream } from './copy-stream';
import { pruneLocked } from './prune-target';
import type { CopyContext } from './copy-context';
import { tryTargetLock } from './target-lock';
import { copyBackup } from './copy-backup';
import { openTargetFor, type OpenedTarget } from './open-target';
import { notifyCopyOverdue } from './copy-overdue';
import { proveTargetIdentity, TargetIdentityError } from './prove-target-identity';
import type { CopyTarget } from '../settings/copies';
import { BACKUPS_TO_HOLD, DAMAGED_KEYS, HELD_BY_TARGET } from './sql';
import { clipMessage } from '../core/message-limit';
import { startRunLog } from '../core/run-log';
import { noticeCopyFailed } from '../notifications/copy-failed';

export interface TargetOutcome {
  target: string;
  /** 'busy': another process copies to this target right now. */
  status: 'copied' | 'failed' | 'busy' | 'nothing';
  copied: string[];
  /** Backups that could not be copied this run (each recorded as CopyFailed); the others went on. */
  failed: { backupId: string; message: string }[];
}

/**
 * Brings every target up to date: the newest backup first, every time (a target that lost it gets
 * it again), then each older one retention keeps that the target does not hold yet, newest to
 * oldest (the catch-up of a target that was down or a host that was stopped). One run per target
 * at a time across hosts; each copy retried with backoff, then recorded as CopyFailed and skipped:
 * one backup that cannot be read must not keep the newer ones on the box.
 */
export async function copyToTargets(ctx: CopyContext, only?: readonly CopyTarget[]): Promise<TargetOutcome[]> {
  const outcomes: TargetOutcome[] = [];
  for (const target of only ?? ctx.settings.targets) outcomes.push(await copyToTarget(ctx, target));
  return outcomes;
}

async function copyToTarget(ctx: CopyContext, target: CopyTarget): Promise<TargetOutcome> {
  const held = await tryTargetLock(ctx.pool, target.name);
  if (!held) return { target: target.name, status: 'busy', copied: [], failed: [] };
  try {
    const outcome = await copyPlan(ctx, target);
    await notifyCopyOverdue(ctx, target.name).catch((error: Error) => ctx.logger?.error({ target: target.name, err: error.message }, 'could not check whether the copy target is overdue'));
    return outcome;
  } finally {
    await held.release();
  }
}

async function copyPlan(ctx: CopyContext, target: CopyTarget): Promise<TargetOutcome> {
  const { rows } = await ctx.pool.query<{ backup_id: string; manifest_key: string; held: boolean }>(BACKUPS_TO_HOLD, [target.name]);
  const plan = rows.filter((r, i) => !r.held || i === rows.length - 1).reverse();
  if (plan.length === 0) return { target: target.name, status: 'nothing', copied: [], failed: [] };
  const opened = await openTargetFor(ctx, target);
  const copied: string[] = [];
  const failed: TargetOutcome['failed'] = [];
  const damaged = await ctx.pool.query<{ damaged_keys: string[] }>(DAMAGED_KEYS, [target.name]);
  let repair = damaged.rows[0]?.damaged_keys ?? [];
  try {
    const proven = { value: false };
    for (const row of plan) {
      const failure = await copyWithRetries(ctx, opened, row.backup_id, row.manifest_key, repair, proven);
      repair = [];
      if (failure) failed.push({ backupId: row.backup_id, message: failure.message });
      else copied.push(row.backup_id);
      if (failure?.refused) break;
    }
    if (failed.length > 0) return { target: target.name, status: 'failed', copied, failed };
    if (ctx.prune) {
      // Nothing of this deployment is in flight to the target now: the lock is ours. A failed prune is the next run's.
      await pruneLocked({ ...ctx, ...ctx.prune }, opened, false).catch((error: Error) =>
        ctx.logger?.error({ target: target.name, err: error.message }, 'the prune after the copy failed; the next copy run tries again'),
      );
    }
    return { target: target.name, status: 'copied', copied, failed };
  } finally {
    await opened.close();
  }
}

/**
 * Undefined when copied; the (redacted) reason after the last attempt failed. The target's
 * identity is proven first (prove-target-identity.ts): one that is, or may be, the primary gets
 * nothing, and is not tried again (`refused`: trying again cannot make it another place).
 */
async function copyWithRetries(
  ctx: CopyContext,
  opened: OpenedTarget,
  backupId: string,
  manifestKey: string,
  repair: readonly string[],
  proven: { value: boolean },
): Promise<{ message: string; refused: boolean } | undefined> {
  const target = opened.target.name;
  const stream = copyStream(target);
  const log = startRunLog(ctx.logger, 'copy', { target, backupId });
  for (let attempt = 1; ; attempt++) {
    await ctx.journal.append(stream, [{ type: 'CopyStarted', data: { target, backupId, manifestKey, attempt } }]);
    const started = performance.now();
    try {
      if (!proven.value) {
        await proveTargetIdentity(ctx, opened);
        proven.value = true;
      }
      const held = await ctx.pool.query<{ backup_id: string; manifest_key: string; copied_at: string }>(HELD_BY_TARGET, [target]);
      const r = await copyBackup(ctx.storage, opened, manifestKey, {
        masterEncryptionKey: ctx.masterEncryptionKey,
        concurrency: ctx.settings.concurrency,
        clock: ctx.clock,
        repair,
        indexCandidates: held.rows.map((h) => ({ manifestKey: h.manifest_key, backupId: h.backup_id, createdAtUtc: h.copied_at })),
        onProgress: ctx.onCopyProgress && ((p) => ctx.onCopyProgress!(target, backupId, p)),
      });
      if (r.indexRebuilt) ctx.logger?.warn({ target, backupId }, "the target's backup index was unreadable: rebuilt from the manifests it holds");
      const durationMs = Math.round(performance.now() - started);
      const { objectsSent, bytesSent, objectsSkipped, bytesSkipped, pointerAdvanced, repairedKeys } = r;
      const data = { target, backupId, manifestKey, objectsSent, bytesSent, objectsSkipped, bytesSkipped, pointerAdvanced, durationMs };
      await ctx.journal.append(stream, [{ type: 'CopyCompleted', data: repairedKeys.length > 0 ? { ...data, repairedKeys: repairedKeys.slice(0, 10_000) } : data }]);
      log.end('succeeded', { attempts: attempt, objectsSent, bytes: bytesSent, objectsSkipped });
      return undefined;
    } catch (caught) {
      const error = caught as Error;
      const message = clipMessage(redactSecrets(error.message ?? String(caught), ctx.secrets));
      const refused = error instanceof TargetIdentityError;
      if (refused || attempt >= ctx.settings.attempts) {
        // The one error line of a copy that failed: after its last attempt, or at once for a refused target.
        log.end('failed', { attempts: attempt, ...(refused && { refused }) }, message);
        const failed = { target, backupId, manifestKey, attempts: attempt, errorClass: error.name ?? 'Error', message };
        await ctx.journal.append(stream, [{ type: 'CopyFailed', data: failed }]);
        noticeCopyFailed(ctx.pool, ctx.clock, failed);
        return { message, refused };
      }
      const retryInMs = (ctx.retryBaseMs ?? 2000) * 2 ** (attempt - 1);
      ctx.logger?.info({ target, backupId, attempt, retryInMs, err: message }, 'copy attempt failed; trying again');
      await sleep(retryInMs);
    }
  }
}
