import type { DependencyContainer } from 'tsyringe';
import { HostTokens } from '../../../src/contract/services';
import { resolve } from '../../../src/contract/tokens';
import type { BackupServices } from './services';
import { registerBackupRoutes } from '../edges/http/api/register-routes';
import { listenForCheckpointRequests } from '../edges/notify/notify-listener';
import { createSenderResolver } from '../edges/notify/notify-sender';
import { RequestRateLimit } from '../requests/request-rate-limit';
import { RejectionAudit } from '../requests/rejection-audit';
import { backupSchedule } from './backup-schedule';
import { verificationSchedule } from './verification-schedule';
import { drillSchedule } from './drill-schedule';
import { applyRetentionAtStart, retentionSchedule } from './retention-schedule';
import { resolveScheduleTimeZone } from './schedule-timezone';
import { startQueues, type Queues } from './start-queues';
import { createMetricsRegistry } from '../metrics/metrics-registry';
import { copyMetrics } from '../metrics/copy-metrics';
import { registerMetricsRoute } from '../edges/http/metrics-route';
import { registerAdminPage } from '../edges/http/admin-page/page-routes';

export interface Triggers {
  audit: RejectionAudit;
  stop(): Promise<void>;
}

/**
 * Starts every way a backup can be asked for: admin routes, NOTIFY, the pg-boss schedule, and the
 * coordinator that serves them (which first serves requests recorded while no host ran, e.g. by
 * request_checkpoint()); then retention once and every other schedule. Must run in the plugin's
 * start(): routes freeze when serving begins.
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
    logger,
    checks: {
      config: () => resolve(container, HostTokens.Config),
      settings: () => settings,
      pool: () => backup.pool,
      storage: async () => backup.storage,
      masterEncryptionKey: async () => backup.masterEncryptionKey,
      now: () => backup.clock.now(),
    },
  });
  registerMetricsRoute(resolve(container, HostTokens.Routes), createMetricsRegistry(backup.pool, [copyMetrics(settings.copies.targets.map((t) => t.name))], { commit: settings.proof.buildCommit }), settings.proof.metricsPublic);
  registerAdminPage(resolve(container, HostTokens.Routes), backup, settings.copies);
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
  let queues: Queues;
  try {
    await applyRetentionAtStart(services.retention, logger);
    // One zone for the backup, verification and drill crons, as the settings promise.
    const timezone = await resolveScheduleTimeZone(backup.pool, settings.timezone, logger);
    queues = await startQueues(resolve(container, HostTokens.Boss), [
      backupSchedule({ coordinator, cron: settings.schedule, timezone, staggerMaxMs: settings.staggerMaxMs }),
      verificationSchedule(services, timezone),
      drillSchedule(services, timezone),
      retentionSchedule(services.retention, logger),
    ], logger);
  } catch (error) {
    await coordinator.stop(0);
    throw error;
  }
  return {
    audit,
    async stop() {
      await queues.stop();
      await coordinator.stop();
      await audit.flush();
    },
  };
}
