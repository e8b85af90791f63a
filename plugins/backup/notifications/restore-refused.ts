import type { Pool } from 'pg';
import type { Clock } from '../../../src/contract/services';
import type { NewEvent } from '../events';
import { instantOf, roundTripUtc } from './dotnet-time';
import { notifyAdmins, Priority } from './notify-admins';
import { clipMessage } from '../core/message-limit';

export const REFUSED_TITLE = 'Database restore refused';

/**
 * A refused or failed startup restore: admins hear of it when there are any (Cotton's tables
 * with users but no applied migrations count as empty). `dedupKey` names the problem, not the
 * attempt, so a service manager restarting the host in a loop notifies once per distinct problem.
 * No i18n key: Cotton has no template for a refused restore (COTTON.md §5), so its UI shows this
 * title and content; `message` says what failed and what to do.
 */
export async function notifyRestoreRefused(
  pool: Pool,
  clock: Clock,
  refusal: { restoreId: string; dedupKey: string; message: string },
): Promise<NewEvent | undefined> {
  return notifyAdmins(pool, {
    kind: 'restore_refused',
    dedupKey: refusal.dedupKey,
    title: REFUSED_TITLE,
    content: clipMessage(refusal.message),
    priority: Priority.High,
    metadata: {
      restoreId: refusal.restoreId,
      failedAtUtc: roundTripUtc(instantOf(clock.now())),
    },
  });
}
