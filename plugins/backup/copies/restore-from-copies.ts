import type { Logger } from 'pino';
import type { Clock } from '../../../src/host/services';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { RestoreAbortedError, type RestoreContext, type RestoreReport } from '../restore/restore-backup';
import { startupRestore } from '../restore/startup-restore';
import { copyBackup, type CopyResult } from './copy-backup';
import { openTarget, type OpenedTarget } from './open-target';
import type { CopySettings, CopyTarget } from './settings';

export interface CopiesRestoreInputs {
  settings: CopySettings;
  masterEncryptionKey: Buffer;
  clock: Clock;
  zstdLevel?: number;
  logger?: Logger;
  open?: (target: CopyTarget) => Promise<OpenedTarget>;
}

/**
 * Puts a restored backup back in the primary storage: its objects, manifest and index entry, then
 * the pointer naming it (whatever the pointer named before: it named nothing that verified), so
 * Cotton's own restore and its GC protection work from the primary again.
 */
export async function reseedPrimary(from: ObjectStorage, primary: ObjectStorage, manifestKey: string, inputs: CopiesRestoreInputs): Promise<CopyResult> {
  return copyBackup(from, { backend: primary.backend!, storage: primary }, manifestKey, {
    masterEncryptionKey: inputs.masterEncryptionKey,
    concurrency: inputs.settings.concurrency,
    clock: inputs.clock,
    forcePointer: true,
  });
}

/**
 * Startup restore on a bare machine: the primary storage first, then each copy target in the
 * order COTTON_BACKUP_COPIES lists them; the first that yields a backup that verifies is restored
 * (with COTTON_RESTORE_FALLBACK=previous, the newest of that storage that verifies), the log and
 * RestoreStarted say where it came from, and the primary is re-seeded from it. When no storage
 * has one, the primary's refusal is thrown with every target's refusal events added to it.
 */
export async function startupRestoreFromAnywhere(
  ctx: RestoreContext,
  options: { enabled: boolean; fallback: 'none' | 'previous'; logger?: Logger },
  inputs: CopiesRestoreInputs,
): Promise<RestoreReport | undefined> {
  try {
    return await startupRestore(ctx, options);
  } catch (error) {
    if (!(error instanceof RestoreAbortedError) || !error.databaseIsClean || inputs.settings.targets.length === 0) throw error;
    options.logger?.warn({ reason: error.message }, 'startup restore: no backup in the primary storage verifies; trying the copy targets in order');
    for (const target of inputs.settings.targets) {
      const report = await fromTarget(ctx, options, inputs, target, error);
      if (report !== 'refused') return report;
    }
    throw error;
  }
}

async function fromTarget(
  ctx: RestoreContext,
  options: { enabled: boolean; fallback: 'none' | 'previous'; logger?: Logger },
  inputs: CopiesRestoreInputs,
  target: CopyTarget,
  primaryRefusal: RestoreAbortedError,
): Promise<RestoreReport | undefined | 'refused'> {
  const opened = await (inputs.open ?? ((t) => openTarget(t, inputs.settings, inputs.masterEncryptionKey, inputs.zstdLevel)))(target);
  try {
    const report = await startupRestore({ ...ctx, storage: opened.storage, sourceName: target.name }, options);
    if (!report) return undefined;
    // The trail says why the primary was passed over before it says what was restored from where.
    const passedOver = primaryRefusal.events.filter((e) => e.type === 'RestoreRejected');
    report.events.unshift(...passedOver.map((e) => ({ ...e, data: { ...e.data, detail: `primary storage: ${String(e.data.detail)}`.slice(0, 4000) } })));
    report.refused.unshift(...primaryRefusal.refused);
    options.logger?.warn(
      { source: target.name, backupId: report.backupId, createdAtUtc: report.manifest.createdAtUtc },
      `startup restore: restored backup ${report.backupId} from copy target ${target.name}`,
    );
    await reseed(opened, ctx, report, inputs, options.logger);
    return report;
  } catch (error) {
    if (!(error instanceof RestoreAbortedError) || !error.databaseIsClean) throw error;
    options.logger?.warn({ source: target.name, reason: error.message }, `startup restore: copy target ${target.name} has no backup that verifies`);
    primaryRefusal.events.push(...error.events);
    return 'refused';
  } finally {
    await opened.close();
  }
}

// The database is restored either way: a failed re-seed is logged loudly, and the next backup
// writes a complete one to the primary anyway.
async function reseed(opened: OpenedTarget, ctx: RestoreContext, report: RestoreReport, inputs: CopiesRestoreInputs, logger?: Logger): Promise<void> {
  try {
    const seeded = await reseedPrimary(opened.storage, ctx.storage, report.manifestKey, inputs);
    logger?.warn(
      { source: opened.target.name, backupId: report.backupId, objectsSent: seeded.objectsSent, bytesSent: seeded.bytesSent },
      `primary storage re-seeded from copy target ${opened.target.name}: backup ${report.backupId} and the pointer naming it`,
    );
  } catch (error) {
    logger?.error({ source: opened.target.name, err: (error as Error).message }, 'could not re-seed the primary storage from the copy target; the next backup writes a complete one');
  }
}
