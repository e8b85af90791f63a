import type { Logger } from 'pino';
import { RestoreAbortedError, type RestoreContext, type RestoreReport } from './restore-backup';
import { restoreFromStorage } from './restore-from-storage';
import { restoreTargetState } from './database-state';
import { restoreMarkerKey } from './restore-marker';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { rankSources, sourceChoice, type RankedSource } from '../copies/rank-sources';
import { reseedPrimary } from '../copies/reseed-primary';
import { openTargetFor, type CopiesRestoreInputs, type OpenedTarget } from '../copies/open-target';
import type { RestoreFallback } from '../settings/backup-settings';
import { clipMessage } from '../core/message-limit';

/**
 * Startup restore on a bare machine: every source's pointer is read first (the primary storage
 * and each copy target), and the sources are tried newest backup first (copies/rank-sources.ts); the
 * first that yields a backup that verifies is restored (with COTTON_RESTORE_FALLBACK=previous, the
 * newest of that storage that verifies), the log, RestoreStarted and the admins' notification say
 * where it came from and why, and when it is a copy the primary is re-seeded from it. When no
 * source has one, the primary's refusal is thrown with every other refusal's events added to it.
 */
export async function startupRestore(
  ctx: RestoreContext,
  options: { enabled: boolean; fallback: RestoreFallback; logger?: Logger },
  inputs: CopiesRestoreInputs,
): Promise<RestoreReport | undefined> {
  if (inputs.settings.targets.length === 0 || !options.enabled) return restoreFromStorage(ctx, options);
  // Not empty: startupRestore says so and does nothing; no target is opened for that.
  if (!(await restoreTargetState(ctx.pool, restoreMarkerKey(ctx.masterEncryptionKey))).empty) return restoreFromStorage(ctx, options);
  const opened: OpenedTarget[] = [];
  try {
    for (const target of inputs.settings.targets) {
      try {
        opened.push(await openTargetFor(inputs, target));
      } catch (error) {
        options.logger?.warn({ source: target.name, err: (error as Error).message }, `startup restore: copy target ${target.name} cannot be opened; it is not tried`);
      }
    }
    const ranked = await rankSources([{ storage: ctx.storage }, ...opened.map((o) => ({ name: o.target.name, storage: o.storage }))], inputs.masterEncryptionKey);
    const refusals: { source: RankedSource; error: RestoreAbortedError }[] = [];
    for (const source of ranked) {
      try {
        const report = await restoreFromStorage(source.name ? { ...ctx, storage: source.storage, sourceName: source.name } : ctx, options);
        if (!report) return undefined;
        passOver(report, refusals);
        report.sourceNote = sourceChoice(source, ranked);
        options.logger?.warn({ source: source.name ?? 'primary', backupId: report.backupId, createdAtUtc: report.manifest.createdAtUtc }, `startup restore: restored backup ${report.backupId} from ${report.sourceNote}`);
        if (source.name) await reseed({ name: source.name, storage: source.storage }, ctx, report, inputs, options.logger);
        return report;
      } catch (error) {
        if (!(error instanceof RestoreAbortedError) || !error.databaseIsClean) throw error;
        options.logger?.warn({ source: source.name ?? 'primary', reason: error.message }, `startup restore: ${source.name ? `copy target ${source.name}` : 'the primary storage'} has no backup that verifies`);
        refusals.push({ source, error });
      }
    }
    const first = refusals.find((r) => !r.source.name) ?? refusals[0]!;
    for (const r of refusals) if (r !== first) first.error.events.push(...r.error.events);
    throw first.error;
  } finally {
    for (const o of opened) await o.close();
  }
}

// The trail says why the sources passed over were, before it says what was restored from where.
function passOver(report: RestoreReport, refusals: readonly { source: RankedSource; error: RestoreAbortedError }[]): void {
  for (const { source, error } of [...refusals].reverse()) {
    const label = source.name ? `copy target ${source.name}` : 'primary storage';
    const rejected = error.events.filter((e) => e.type === 'RestoreRejected');
    report.events.unshift(...rejected.map((e) => ({ ...e, data: { ...e.data, detail: clipMessage(`${label}: ${String(e.data.detail)}`) } })));
    report.refused.unshift(...error.refused);
  }
}

// The database is restored either way: a failed re-seed is logged loudly, and the next backup
// writes a complete one to the primary anyway. The startup restore went into Cotton's database.
async function reseed(from: { name: string; storage: ObjectStorage }, ctx: RestoreContext, report: RestoreReport, inputs: CopiesRestoreInputs, logger?: Logger): Promise<void> {
  try {
    const restored = { backupId: report.backupId, manifestKey: report.manifestKey, createdAtUtc: report.manifest.createdAtUtc, intoCottonsDatabase: true };
    const seeded = await reseedPrimary(from, ctx.storage, restored, inputs);
    report.events.push(seeded.event);
    logger?.warn({ source: from.name, backupId: report.backupId, ...seeded.event.data }, seeded.result ? `primary storage re-seeded from copy target ${from.name}` : 'primary storage not re-seeded');
  } catch (error) {
    logger?.error({ source: from.name, err: (error as Error).message }, 'could not re-seed the primary storage from the copy target; the next backup writes a complete one');
  }
}
