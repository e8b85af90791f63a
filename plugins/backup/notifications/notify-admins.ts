import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { ADMINS, INSERT_NOTIFICATION } from '../restore/sql';
import type { NewEvent } from '../projections/journal';

export type NotificationKind = 'restore_completed' | 'restore_refused' | 'backup_failed' | 'verification_failed';

export interface AdminNotice {
  kind: NotificationKind;
  /** What makes this notice unique: the same key twice notifies once (a retried startup). */
  dedupKey: string;
  title: string;
  content: string;
  /** Cotton's priority: 3 = High. */
  priority: 0 | 1 | 2 | 3;
  /** hstore metadata, COTTON.md §5. */
  metadata: Record<string, string>;
}

const NOTIFICATIONS_TABLE = "SELECT to_regclass('public.notifications') IS NOT NULL AND to_regclass('public.users') IS NOT NULL AS present";

/** A UUID derived from the notice and the admin, so a retry inserts nothing new. */
export function notificationId(notice: Pick<AdminNotice, 'kind' | 'dedupKey'>, userId: string): string {
  const h = createHash('sha256').update(`${notice.kind}|${notice.dedupKey}|${userId}`).digest('hex');
  // Shaped as a version-8 (custom) UUID.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Writes one row per admin (role 2) into Cotton's notifications table and returns the
 * AdminsNotified event to record, or undefined when Cotton's tables or admins are absent.
 */
export async function notifyAdmins(pool: Pool, notice: AdminNotice): Promise<NewEvent | undefined> {
  const { rows: present } = await pool.query<{ present: boolean }>(NOTIFICATIONS_TABLE);
  if (!present[0]!.present) return undefined;
  const { rows: admins } = await pool.query<{ id: string }>(ADMINS);
  if (admins.length === 0) return undefined;
  const keys = Object.keys(notice.metadata);
  const values = keys.map((k) => notice.metadata[k]!);
  const recipients: { notificationId: string; userId: string }[] = [];
  for (const admin of admins) {
    const id = notificationId(notice, admin.id);
    await pool.query(INSERT_NOTIFICATION, [id, notice.title, notice.content, keys, values, admin.id, notice.priority]);
    recipients.push({ notificationId: id, userId: admin.id });
  }
  return {
    type: 'AdminsNotified',
    data: {
      kind: notice.kind,
      notificationIds: recipients.map((r) => r.notificationId),
      recipients,
      adminCount: admins.length,
      priority: notice.priority,
      title: notice.title,
    },
  };
}
