import type { Pool } from 'pg';
import { appendToStream, readStream, type AppendOptions, type NewEvent } from '../events';
import { applyProjections } from './apply-projections';
import { sealPendingEvents } from '../events/seal-events';
import { withTransaction } from '../../../src/db/with-transaction';

/**
 * Appends events and folds them into the read models in one transaction: a reader of
 * latest_backup or backup_history never sees a state the events do not explain.
 */
export interface Journal {
  append(streamId: string, events: readonly NewEvent[], options?: AppendOptions): Promise<void>;
}

/**
 * `sealKey` (deriveEventSealKey): the events are sealed in the same transaction, last, so the
 * seal lock is held only until the commit. Without it (a journal with no master key at hand) the
 * events stay unsealed until the next keyed append seals them.
 */
export function createJournal(pool: Pool, sealKey?: Buffer): Journal {
  return {
    async append(streamId, events, options) {
      await withTransaction(pool, async (client) => {
        const { nextExpectedVersion } = await appendToStream(client, streamId, events, options);
        const recorded = await readStream(client, streamId, { afterVersion: nextExpectedVersion - BigInt(events.length) });
        for (const event of recorded) await applyProjections(client, event);
        if (sealKey) await sealPendingEvents(client, sealKey);
      });
    },
  };
}
