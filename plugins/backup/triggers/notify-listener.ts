import type { Logger } from 'pino';
import type { NotificationSubscriber } from '../../../src/host/services';
import type { BackupCoordinator } from './backup-coordinator';
import { parseNotifyPayload } from './request-payload';
import type { RejectionAudit } from './rejection-audit';

export const NOTIFY_CHANNEL = 'cotton_backup';

/**
 * `NOTIFY cotton_backup[, '{"reason": ..., "requestedBy": ...}']` asks for a checkpoint;
 * `{"requestId": ...}` (sent by request_checkpoint()) only wakes the coordinator, the request being
 * recorded already. Invalid payloads are audited and dropped. After a reconnect the coordinator
 * catches up from the database: requests are events, so a lost NOTIFY loses nothing.
 */
export async function listenForCheckpointRequests(
  subscriber: NotificationSubscriber,
  coordinator: BackupCoordinator,
  audit: RejectionAudit,
  logger?: Logger,
): Promise<void> {
  subscriber.onReconnect(() => coordinator.wake());
  await subscriber.listen(NOTIFY_CHANNEL, async (payload) => {
    const parsed = parseNotifyPayload(payload);
    if (!parsed.ok) {
      audit.reject('notify', parsed.reason, payload);
      return;
    }
    if (parsed.value.kind === 'wake') {
      coordinator.wake();
      return;
    }
    const { reason, requestedBy } = parsed.value.request;
    const requestId = await coordinator.request({ source: 'notify', reason: reason ?? 'NOTIFY cotton_backup', requestedBy: requestedBy ?? 'notify' });
    logger?.info({ requestId }, 'checkpoint requested by NOTIFY');
  });
}
