import type { Pool } from 'pg';
import { readStream } from './read-stream';
import { decodeRows, type EventRow } from './rows';
import * as sql from './sql';
import type { RecordedEvent } from './types';

export interface AuditEntry {
  globalPosition: string;
  streamId: string;
  streamVersion: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  occurredAt: Date;
}

const toEntry = (e: RecordedEvent): AuditEntry => ({
  globalPosition: String(e.globalPosition),
  streamId: e.streamId,
  streamVersion: String(e.streamVersion),
  type: e.type,
  data: e.data as Record<string, unknown>,
  metadata: e.metadata as Record<string, unknown>,
  occurredAt: e.occurredAt,
});

/** One backup's trail: the requests it served, its own events and retention's decisions, in the order they happened. Validated (an invalid event is skipped and recorded). */
export async function backupAudit(pool: Pool, backupId: string): Promise<AuditEntry[]> {
  const [requests, own, retention] = await Promise.all([
    pool.query<EventRow>(sql.REQUESTS_OF_BACKUP, [backupId]).then((r) => decodeRows(pool, r.rows)),
    readStream(pool, backupId),
    readStream(pool, `retention-${backupId}`),
  ]);
  return [...requests, ...own, ...retention].sort((a, b) => Number(a.globalPosition - b.globalPosition)).map(toEntry);
}

/** The newest events, oldest first. Validated (an invalid event is skipped and recorded). */
export async function recentAudit(pool: Pool, limit: number): Promise<AuditEntry[]> {
  const { rows } = await pool.query<EventRow>(sql.LAST_EVENTS, [limit]);
  return (await decodeRows(pool, rows)).map(toEntry).reverse();
}
