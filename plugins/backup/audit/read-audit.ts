import type { Pool } from 'pg';
import { LAST_EVENTS, REQUESTS_OF_BACKUP, STREAM_EVENTS } from '../cli/sql';

export interface AuditEntry {
  globalPosition: string;
  streamId: string;
  streamVersion: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  occurredAt: Date;
}

interface Row {
  global_position: string;
  stream_id: string;
  stream_version: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  occurred_at: Date;
}

const toEntry = (r: Row): AuditEntry => ({
  globalPosition: r.global_position,
  streamId: r.stream_id,
  streamVersion: r.stream_version,
  type: r.type,
  data: r.data,
  metadata: r.metadata,
  occurredAt: r.occurred_at,
});

/** One backup's trail: the requests it served, its own events and retention's decisions, in the order they happened. */
export async function backupAudit(pool: Pool, backupId: string): Promise<AuditEntry[]> {
  const [requests, own, retention] = await Promise.all([
    pool.query<Row>(REQUESTS_OF_BACKUP, [backupId]),
    pool.query<Row>(STREAM_EVENTS, [backupId]),
    pool.query<Row>(STREAM_EVENTS, [`retention-${backupId}`]),
  ]);
  return [...requests.rows, ...own.rows, ...retention.rows].map(toEntry).sort((a, b) => Number(BigInt(a.globalPosition) - BigInt(b.globalPosition)));
}

/** The newest events, oldest first. */
export async function recentAudit(pool: Pool, limit: number): Promise<AuditEntry[]> {
  const { rows } = await pool.query<Row>(LAST_EVENTS, [limit]);
  return rows.map(toEntry).reverse();
}
