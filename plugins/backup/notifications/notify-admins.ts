import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { withTransaction } from '../../../src/db/with-transaction';
import { InvalidEventError, parseEvent, type NOTIFICATION_KINDS } from '../events/vocabulary';
import type { NewEvent } from '../events';
import { insertNotification, listAdmins, notificationsTablePresent } from '../cotton-tables/notifications';
import { clipMessage } from '../core/message-limit';
import { sendToChannels } from '../notifiers/channels';

export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** Cotton's notification priorities (COTTON.md §5). */
export const Priority = { None: 0, Low: 1, Medium: 2, High: 3 } as const;

export interface AdminNotice {
  kind: NotificationKind;
  /** What makes this notice unique: the same kind and key twice notifies once (a retried startup). */
  dedupKey: string;
  title: string;
  content: string;
  priority: 0 | 1 | 2 | 3;
  /** hstore metadata, COTTON.md §5. */
  metadata: Record<string, string>;
}

/** A UUID derived from the notice and the admin, so a retry inserts nothing new. */
export function notificationId(notice: Pick<AdminNotice, 'kind' | 'dedupKey'>, userId: string): string {
  const h = createHash('sha256').update(`${notice.kind}|${notice.dedupKey}|${userId}`).digest('hex');
  // Shaped as a version-8 (custom) UUID with the RFC 9562 variant.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Writes one row per admin (role 2) into Cotton's notifications table, in one transaction, and
 * returns the AdminsNotified event naming the rows written now. Undefined when Cotton's tables
 * or admins are absent, or when every row was already there (the notice was sent before): a
 * retry neither notifies twice nor records a second AdminsNotified. Should the event not pass
 * the vocabulary, the rows stay written (admins must hear) and an EventRejected takes its place,
 * so the trail says what happened instead of lacking it.
 */
export async function notifyAdmins(pool: Pool, notice: AdminNotice): Promise<NewEvent | undefined> {
  const recipients: { notificationId: string; userId: string }[] = [];
  let adminCount = 0;
  // The other channels (a webhook) hear of the notice unless Cotton's table shows it was sent
  // before: with no table, no admins or a database that failed us, they hear of every attempt
  // (the webhook's `id` lets its receiver dedupe), and a failed write still reaches them.
  let toldBefore = false;
  try {
    if (!(await notificationsTablePresent(pool))) return undefined;
    await withTransaction(pool, async (client) => {
      const admins = await listAdmins(client);
      adminCount = admins.length;
      for (const userId of admins) {
        const id = notificationId(notice, userId);
        const { title, content, metadata, priority } = notice;
        if (await insertNotification(client, { id, title, content, metadata, userId, priority })) recipients.push({ notificationId: id, userId });
      }
    });
    toldBefore = adminCount > 0 && recipients.length === 0;
  } finally {
    if (!toldBefore) sendToChannels(pool, notice);
  }
  if (recipients.length === 0) return undefined;
  const data = {
    kind: notice.kind,
    notificationIds: recipients.map((r) => r.notificationId),
    recipients,
    adminCount,
    priority: notice.priority,
    title: notice.title,
  };
  try {
    return parseEvent('AdminsNotified', data);
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    return {
      type: 'EventRejected',
      data: {
        rejectedType: 'AdminsNotified',
        problem: clipMessage(error.message),
        summary: clipMessage(
          `${recipients.length} ${notice.kind} notification(s) written to Cotton's notifications table for ${adminCount} admin(s): ${recipients
            .map((r) => `${r.notificationId} → user ${r.userId}`)
            .join(', ')}`
            .toWellFormed()
            .replaceAll('\u0000', '\uFFFD'),
        ),
      },
    };
  }
}
