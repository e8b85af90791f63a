import type { Logger } from 'pino';
import type { NotificationSubscriber } from '../../../../src/contract/services';
import type { BackupCoordinator } from '../../requests/backup-coordinator';
import type { NotifySender } from './notify-sender';
import { parseNotifyPayload } from '../../requests/request-payload';
import type { RejectionAudit } from '../../requests/rejection-audit';
import { RequestRateLimit } from '../../requests/request-rate-limit';

export const NOTIFY_CHANNEL = 'cotton_backup';

/** Valid NOTIFY requests recorded per sending role and minute by default (COTTON_BACKUP_NOTIFY_PER_MINUTE); the rest are refused and audited. */
export const NOTIFY_REQUESTS_PER_WINDOW = 10;

export interface NotifyListenerOptions {
  subscriber: NotificationSubscriber;
  coordinator: BackupCoordinator;
  audit: RejectionAudit;
  /** The notifying backend's login role (pg_stat_activity). */
  resolveSender: (pid: number) => Promise<NotifySender>;
  /** COTTON_BACKUP_NOTIFY: false refuses every request (wake-ups of request_checkpoint() still count). */
  enabled: boolean;
  /** COTTON_BACKUP_NOTIFY_ROLES: only these roles may ask; undefined = any role that can log in. */
  roles?: readonly string[];
  rateLimit?: RequestRateLimit;
  logger?: Logger;
}

/**
 * `NOTIFY cotton_backup[, '{"reason": ..., "requestedBy": ...}']` asks for a checkpoint;
 * `{"requestId": ...}` (sent by request_checkpoint()) only wakes the coordinator, the request being
 * recorded already. Who asked is the sender's PostgreSQL role, never the payload's `requestedBy`
 * (kept apart, as claimed). Invalid, disallowed and rate-limited requests are audited and dropped.
 * After a reconnect the coordinator catches up from the database: requests are events, so a lost
 * NOTIFY loses nothing.
 */
export async function listenForCheckpointRequests(options: NotifyListenerOptions): Promise<void> {
  const { subscriber, coordinator, audit, logger } = options;
  const rateLimit = options.rateLimit ?? new RequestRateLimit(NOTIFY_REQUESTS_PER_WINDOW, 60_000);
  subscriber.onReconnect(() => coordinator.wake());
  await subscriber.listen(NOTIFY_CHANNEL, async (payload, { processId }) => {
    const parsed = parseNotifyPayload(payload);
    if (!parsed.ok) {
      audit.reject('notify', `${parsed.reason} (backend pid ${processId})`, payload);
      return;
    }
    if (parsed.value.kind === 'wake') {
      coordinator.wake();
      return;
    }
    if (!options.enabled) {
      audit.reject('notify', `NOTIFY requests are turned off (COTTON_BACKUP_NOTIFY=off) (backend pid ${processId})`, payload);
      return;
    }
    const sender = await options.resolveSender(processId);
    const who = sender.role === null ? `an unknown role (backend pid ${processId} had disconnected)` : `role "${sender.role}" (backend pid ${processId})`;
    if (options.roles && (sender.role === null || !options.roles.includes(sender.role))) {
      audit.reject('notify', `${who} may not request backups by NOTIFY (COTTON_BACKUP_NOTIFY_ROLES)`, payload);
      return;
    }
    // Senders gone before the lookup share one budget: a new session per NOTIFY gains nothing.
    if (!rateLimit.take(sender.role === null ? '(unknown role)' : `role ${sender.role}`)) {
      audit.reject('notify', `rate limit: ${who} sent more than ${rateLimit.maxPerWindow} requests in ${rateLimit.windowMs / 1000} s; not recorded`, payload);
      return;
    }
    const { reason, requestedBy } = parsed.value.request;
    const requestId = await coordinator.request({
      source: 'notify',
      reason: reason ?? 'NOTIFY cotton_backup',
      requestedBy: sender.role ?? `unknown (pid ${processId})`,
      sender,
      ...(requestedBy !== undefined ? { claimedRequestedBy: requestedBy } : {}),
    });
    logger?.info({ requestId, role: sender.role }, 'checkpoint requested by NOTIFY');
  });
}
