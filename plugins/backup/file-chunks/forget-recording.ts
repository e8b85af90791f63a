import type { ClientBase, Pool } from 'pg';
import { FORGET_RECORDING } from './sql';

/** Drops a backup's file-chunk record (a failed backup's, or a released one's). */
export async function forgetRecording(db: Pool | ClientBase, backupId: string): Promise<void> {
  await db.query(FORGET_RECORDING, [backupId]);
}
