import type { Pool } from 'pg';
import type { Clock } from '../../../src/contract/services';
import type { EventData } from '../events/vocabulary';
import { sendToChannels } from '../notifiers/channels';
import { instantOf, roundTripUtc } from './dotnet-time';
import { Priority } from './notify-admins';

export const COPY_FAILED_TITLE = 'Backup copy failed';

/**
 * A copy that failed every attempt, for the channels beside the bell (a webhook) only: Cotton's
 * admins hear of a target once it is overdue (copy-overdue.ts), not of each failed run, which
 * the next run usually catches up. Each failure is its own notice (keyed by its time).
 */
export function noticeCopyFailed(pool: Pool, clock: Clock, failed: EventData<'CopyFailed'>): void {
  const failedAtUtc = roundTripUtc(instantOf(clock.now()));
  sendToChannels(pool, {
    kind: 'copy_failed',
    dedupKey: `${failed.target}|${failed.backupId}|${failedAtUtc}`,
    title: COPY_FAILED_TITLE,
    content:
      `The copy of backup ${failed.backupId} to target ${failed.target} failed after ${failed.attempts} attempt(s): ${failed.message}. ` +
      "The next copy run catches up; see `cotton-backup copies` for the target's state.",
    priority: Priority.Medium,
    metadata: { target: failed.target, backupId: failed.backupId, manifestStorageKey: failed.manifestKey, failedAtUtc },
  });
}
