import type { DependencyContainer } from 'tsyringe';
import { HostTokens } from '../../../src/contract/services';
import { resolve } from '../../../src/contract/tokens';
import type { BackupServices } from './services';
import { registerBackupRoutes } from '../edges/http/api/register-routes';
import { listenForCheckpointRequests } from '../edges/notify/notify-listener';
import { createSenderResolver } from '../edges/notify/notify-sender';
import { RequestRateLimit } from '../requests/request-rate-limit';
import { RejectionAudit } from '../requests/rejection-audit';
import { startSchedule, type Schedule } from './backup-schedule';
import { startVerificationSchedule } from './verification-schedule';
import { startDrillSchedule } from './drill-schedule';
import { createMetricsRegistry } from '../metrics/metrics-registry';
import { copyMetrics } from '../metrics/copy-metrics';
import { registerMetricsRoute } from '../edges/http/metrics-route';
import { registerAdminPage } from '../edges/http/admin-page/page-routes';

export interface Triggers {
  schedule: Schedule;
  audit: RejectionAudit;
  stop(): Promise<void>;
}

/**
 * Starts every way a backup can be asked for: admin routes, NOTIFY, the pg-boss schedule, and the
 * coordinator that serves them (which first serves requests recorded while no host ran, e.g. by
 * request_checkpoint()). Must run in the plugin's start(): routes freeze when serving begins.
 */
export async function startTriggers(container: DependencyContainer, services: BackupServices): Promise<Triggers> {
  const { settings } = services;
  const logger = resolve(container, HostTokens.Logger);
  const { coordinator, backup } = services;
  const audit = new RejectionAudit({ journal: services.journal, secrets: backup.secrets, logger });

  registerBackupRoutes(resolve(container, HostTokens.Routes), {
    pool: backup.pool,
    storage: backup.storage,
    masterEncryptionKey: backup.masterEncryptionKey,
    coordinator,
    audit,
  });
  registerMetricsRoute(resolve(container, HostTokens.Routes), createMetricsRegistry(backup.pool, [copyMetrics(settings.copies.targets.map((t) => t.name))]), settings.proof.metricsPublic);
  registerAdminPage(resolve(container, HostTokens.Routes), backup);
  await listenForCheckpointRequests({
    subscriber: resolve(container, HostTokens.Notifications),
    coordinator,
    audit,
    resolveSender: createSenderResolver(backup.pool),
    enabled: settings.notify.enabled,
    roles: settings.notify.roles,
    rateLimit: new RequestRateLimit(settings.notify.perMinute, 60_000),
    logger,
  });
  coordinator.start();
  let schedule: Schedule;
  try {
    schedule = await startSchedule({
      boss: resolve(container, HostTokens.Boss),
      pool: backup.pool,
      coordinator,
      cron: settings.schedule,
      timezone: settings.timezone,
      staggerMaxMs: settings.staggerMaxMs,
      logger,
    });
    await startVerificationSchedule(container, services); // its worker stops with pg-boss
    await startDrillSchedule(container, services); // likewise
  } catch (error) {
    await coordinator.stop(0);
    throw error;
  }
  return {
    schedule,
    audit,
    async stop() {
      await schedule.stop();
      await coordinator.stop();
      await audit.flush();
    },
  };
}
