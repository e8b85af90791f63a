import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '../../../src/contract/services';
import type { Journal } from '../projections/journal';
import { notifyRestoreCompleted } from '../notifications/restore-completed';
import { notifyRestoreRefused } from '../notifications/restore-refused';
import { appendCarriedEvents } from '../events/carry-over-events';
import { rerecordBackupHistory } from './record-restore';
import type { RestoreReport } from './restore-backup';
import { RestoreAbortedError, refusalMessage, StartupRestoreError } from './restore-errors';
import { recordNotified } from '../notifications/record-notified';

/**
 * After migrations: events carried over from the empty database, the held restore events, the
 * re-recorded history of the restored backup, and (startup only) the admins' notification.
 */
export async function recordStartupRestore(
  pool: Pool,
  journal: Journal,
  clock: Clock,
  report: RestoreReport,
  options: { notify?: boolean; logger?: Logger } = {},
): Promise<void> {
  const stream = `restore-${report.restoreId}`;
  await appendCarriedEvents(journal, report.carried);
  await journal.append(stream, report.events, { expectedVersion: 'no_stream' });
  await rerecordBackupHistory(pool, journal, report.manifest, report.manifestKey, report.restoreId);
  if (options.notify === false) return;
  const notified = await notifyRestoreCompleted(pool, clock, {
    manifest: report.manifest,
    manifestKey: report.manifestKey,
    refusedNewer: report.refused.map((r) => r.message),
    sourceNote: report.sourceNote,
  });
  await recordNotified(journal, stream, notified, options.logger);
}

/** Names the problem, not the attempt: the same refusal on every retry notifies the admins once. */
export function refusalFingerprint(error: RestoreAbortedError): string {
  const parts = error.refused.length
    ? error.refused.map((r) => `${r.reason}|${r.keys.manifestKey ?? ''}|${r.keys.chunkKey ?? ''}|${r.detail}`)
    : [`${error.reason.name}|${error.reason.message}`];
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

/**
 * A refused or failed restore: the events go into the (migrated, still Cotton-empty) event
 * store, admins are told if there are any, and the returned error says what to do.
 */
export async function recordRefusedRestore(
  pool: Pool,
  journal: Journal,
  clock: Clock,
  error: RestoreAbortedError,
  database = '',
  options: { secrets?: readonly string[]; logger?: Logger } = {},
): Promise<StartupRestoreError> {
  const message = refusalMessage(error, database, options.secrets);
  const stream = `restore-${error.restoreId}`;
  await appendCarriedEvents(journal, error.carried);
  if (error.events.length > 0) await journal.append(stream, error.events, { expectedVersion: 'no_stream' });
  const notified = await notifyRestoreRefused(pool, clock, { restoreId: error.restoreId, dedupKey: refusalFingerprint(error), message });
  await recordNotified(journal, stream, notified, options.logger);
  return new StartupRestoreError(message, { cause: error.reason });
}
