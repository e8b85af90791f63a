import type { Pool } from 'pg';
import { appendToStream, readStream, type AppendOptions, type NewEvent } from '../events';
import { applyProjections } from './apply-projections';

export type { NewEvent };

/**
 * Appends events and folds them into the read models in one transaction: a reader of
 * latest_backup or backup_history never sees a state the events do not explain.
 */
export interface Journal {
  append(streamId: string, events: readonly NewEvent[], options?: AppendOptions): Promise<void>;
}

export function createJournal(pool: Pool): Journal {
  return {
    async append(streamId, events, options) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { nextExpectedVersion } = await appendToStream(client, streamId, events, options);
        const recorded = await readStream(client, streamId, { afterVersion: nextExpectedVersion - BigInt(events.length) });
        for (const event of recorded) await applyProjections(client, event);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}
