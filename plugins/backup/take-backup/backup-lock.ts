import type { Pool } from 'pg';
import { trySessionLock } from '../../../src/db/session-lock';
import { BackupPluginError } from '../core/errors';
import { BACKUP_LOCK_HOLDER, BACKUP_UNLOCK, TRY_BACKUP_LOCK } from './sql';

// One backup at a time per database, across processes and hosts. Advisory locks are scoped to
// the current database, so a fixed key is enough. The two-int form keeps clear of other users
// of single-bigint advisory keys (take-backup/sql.ts).
const LOCK_CLASS = 0x43544e42; // "CTNB"
const LOCK_OBJECT = 1;

export class BackupAlreadyRunningError extends BackupPluginError {
  constructor(database: string, holder?: { pid: number; application_name: string; client_addr: string | null }) {
    super('BACKUP_ALREADY_RUNNING', 
      `a backup of database "${database}" is already running` +
        (holder ? ` (PostgreSQL backend pid ${holder.pid}${holder.application_name ? `, ${holder.application_name}` : ''}${holder.client_addr ? ` from ${holder.client_addr}` : ''})` : '') +
        '; this request waits for the next run',
    );
    this.name = 'BackupAlreadyRunningError';
  }
}

export interface BackupLock {
  /** Aborted when the session holding the lock is lost: the lock went with it, so must the run. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export class BackupLockLostError extends BackupPluginError {
  constructor(cause: Error) {
    super('BACKUP_LOCK_LOST', `lost the database session holding the backup lock (${cause.message}); another process may now back up, so this run stops`, { cause });
    this.name = 'BackupLockLostError';
  }
}

/** Takes the backup lock on a dedicated session, or fails at once naming who holds it. */
export async function acquireBackupLock(pool: Pool, database: string): Promise<BackupLock> {
  const held = await trySessionLock(
    pool,
    { tryLock: TRY_BACKUP_LOCK, unlock: BACKUP_UNLOCK, params: [LOCK_CLASS, LOCK_OBJECT] },
    {
      // Asked on the same connection, at once: the holder may be gone by the time another would ask.
      onBusy: async (client) => {
        const holder = await client.query(BACKUP_LOCK_HOLDER, [LOCK_CLASS, LOCK_OBJECT]);
        throw new BackupAlreadyRunningError(database, holder.rows[0]);
      },
      lostError: (cause) => new BackupLockLostError(cause),
    },
  );
  // onBusy throws: a lock not taken never gets here.
  return held!;
}
