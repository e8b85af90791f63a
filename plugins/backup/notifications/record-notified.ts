import type { Logger } from 'pino';
import type { NewEvent } from '../events';
import type { Journal } from '../projections/journal';

/**
 * Records what notifyAdmins returned on the operation's stream. An EventRejected there means the
 * admins were notified but the AdminsNotified event did not pass the vocabulary: the operation
 * says so too (a warning in the log, on the CLI's stderr), not only in the trail.
 */
export async function recordNotified(journal: Journal, streamId: string, notified: NewEvent | undefined, logger?: Logger): Promise<void> {
  if (!notified) return;
  await journal.append(streamId, [notified]);
  if (notified.type === 'EventRejected') {
    logger?.warn(
      { stream: streamId, problem: notified.data.problem },
      `admins were notified, but their AdminsNotified event was rejected (an EventRejected is recorded instead): ${notified.data.summary}`,
    );
  }
}
