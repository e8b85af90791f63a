import type { Pool, PoolClient } from 'pg';
import { ADMINS, INSERT_NOTIFICATION, NOTIFICATIONS_TABLE_PRESENT } from './sql';

/** One row for Cotton's notifications table (COTTON.md §5); metadata becomes hstore. */
export interface NotificationRow {
  id: string;
  title: string;
  content: string;
  metadata: Record<string, string>;
  userId: string;
  priority: number;
}

/** Whether this database has Cotton's notifications and users tables (a truly empty one has not). */
export async function notificationsTablePresent(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query<{ present: boolean }>(NOTIFICATIONS_TABLE_PRESENT);
  return rows[0]!.present;
}

/** The user ids of Cotton's admins (role 2). */
export async function listAdmins(client: PoolClient): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(ADMINS);
  return rows.map((r) => r.id);
}

/** Inserts one notification; false when a row with that id was already there (a retry). */
export async function insertNotification(client: PoolClient, row: NotificationRow): Promise<boolean> {
  const keys = Object.keys(row.metadata);
  const values = keys.map((k) => row.metadata[k]!);
  const inserted = await client.query(INSERT_NOTIFICATION, [row.id, row.title, row.content, keys, values, row.userId, row.priority]);
  return inserted.rowCount === 1;
}
