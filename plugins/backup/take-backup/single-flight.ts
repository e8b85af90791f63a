import type { Pool } from 'pg';
import { holdOnDedicatedConnection } from '../../../src/db/dedicated-connection';
import { BackupPluginError } from '../core/errors';

// One backup at a time per database, across processes and hosts. Advisory locks are scoped to
// the current database, so a fixed key is enough. The two-int form keeps clear of other users
// of single-bigint advisory keys.
const LOCK_CLASS = 0x43544e42; // "CTNB"
const LOCK_OBJECT = 1;

const TRY_LOCK = 'SELECT pg_try_advisory_lock($1, $2) AS locked';
const UNLOCK = 'SELECT pg_advisory_unlock($1, $2)';
// pg_locks lists every database's locks: the holder is looked up in this one only.
const HOLDER = `
  SELECT a.pid, a.application_name, a.client_addr::text AS client_addr, a.backend_start
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
   WHERE l.locktype = 'advisory' AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.granted
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
   LIMIT 1`;

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
  return holdOnDedicatedConnection(
    pool,
    async (client) => {
      const { rows } = await client.query<{ locked: boolean }>(TRY_LOCK, [LOCK_CLASS, LOCK_OBJECT]);
      if (rows[0]!.locked) return;
      const holder = await client.query(HOLDER, [LOCK_CLASS, LOCK_OBJECT]);
      throw new BackupAlreadyRunningError(database, holder.rows[0]);
    },
    (client) => client.query(UNLOCK, [LOCK_CLASS, LOCK_OBJECT]),
    { lostError: (cause) => new BackupLockLostError(cause) },
  );
}
