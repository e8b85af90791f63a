import { join } from 'node:path';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { HostConfig } from '../../../src/config/config';
import { secretValues } from '../../../src/config/secrets';
import type { Clock } from '../../../src/contract/services';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { runBackup, type BackupContext } from '../take-backup/run-backup';
import { closeStaleRunsIfIdle } from '../take-backup/fail-stale-backups';
import type { ConnectionTarget } from '../dump/pg-tools';
import { createJournal, type Journal } from '../projections/journal';
import { deriveEventSealKey } from '../../../src/keys/keys';
import type { RestoreContext } from '../restore/restore-backup';
import { BackupCoordinator } from '../requests/backup-coordinator';
import { applyRetention, type RetentionContext } from '../retention/apply-retention';
import { resolveScheduleTimeZone } from './schedule-timezone';
import { backupSettingsOf, type BackupSettings } from '../settings/backup-settings';
import { copyToTargets } from '../copies/copy-to-targets';
import type { CopyContext } from '../copies/copy-context';
import { copyTargetProblems, primaryPlaceOf } from '../copies/validate-targets';
import { ConfigError } from '../../../src/config/config';
import { attachNoticeChannel } from '../notifiers/channels';
import { WebhookNotifier } from '../notifiers/webhook';

export interface BackupServiceInputs {
  config: HostConfig;
  /** The plugin's settings; default: parsed from the configuration's environment (backupSettingsOf). */
  settings?: BackupSettings;
  pool: Pool;
  storage: ObjectStorage;
  masterEncryptionKey: Buffer;
  logger?: Logger;
  clock: Clock;
}

export interface BackupServices {
  settings: BackupSettings;
  journal: Journal;
  backup: BackupContext;
  coordinator: BackupCoordinator;
  retention: RetentionContext;
  copies: CopyContext;
  restoreContext(target?: ConnectionTarget, pool?: Pool): RestoreContext;
  /** Detaches the notice channels (the webhook), waiting up to `graceMs` for deliveries in flight. */
  stopNotifiers(graceMs?: number): Promise<void>;
}

export function connectionTarget(config: HostConfig, database = config.database.database): ConnectionTarget {
  return { ...config.database, database };
}

/** The plugin's services from host services; the same wiring for the host and the CLI. */
export function createBackupServices(inputs: BackupServiceInputs): BackupServices {
  const { config, pool, storage, masterEncryptionKey, logger, clock } = inputs;
  const settings = inputs.settings ?? backupSettingsOf(config);
  // A copy kept in the primary storage is no copy: refused before anything starts. The opened
  // backend names the primary as it is, a bucket from Cotton's server_settings included.
  const variables = { root: config.storage.root, s3: config.s3 };
  const copyProblems = copyTargetProblems(settings.copies, primaryPlaceOf(storage.backend, variables) ?? variables);
  if (copyProblems.length > 0) throw new ConfigError(copyProblems);
  const secrets = [
    ...secretValues(config),
    ...(settings.copies.aws.secretAccessKey ? [settings.copies.aws.secretAccessKey] : []),
    ...(settings.webhook?.secret ? [settings.webhook.secret] : []),
  ];
  // Fed by notifyAdmins through the pool (notifiers/channels.ts): every admin notice, also from the CLI.
  const webhook = settings.webhook && new WebhookNotifier(settings.webhook, { logger });
  const detachWebhook = webhook && attachNoticeChannel(pool, webhook);
  const journal = createJournal(pool, deriveEventSealKey(masterEncryptionKey));
  const backup: BackupContext = {
    pool,
    journal,
    storage,
    masterEncryptionKey,
    target: connectionTarget(config),
    chunking: settings.chunking,
    uploadConcurrency: settings.uploadConcurrency,
    countRows: settings.proof.rowCounts,
    clock,
    logger,
    secrets,
  };
  const retention: RetentionContext = {
    pool,
    journal,
    storage,
    masterEncryptionKey,
    policy: settings.retention,
    timeZone: () => resolveScheduleTimeZone(pool, settings.timezone, logger),
    clock,
    logger,
  };
  const copies: CopyContext = {
    pool, journal, storage, masterEncryptionKey, settings: settings.copies, clock, logger, secrets, zstdLevel: config.storage.zstdLevel,
    prune: { policy: retention.policy, timeZone: retention.timeZone },
  };
  // Each step logs its own failure, so the line names the step that failed. The copy runs after
  // retention (what it expired is not copied) and even when retention failed; a copy's failure is
  // recorded, never the backup's.
  backup.afterBackup = async (outcome) => {
    const failed = (step: string) => (error: Error) => logger?.error({ backupId: outcome.backupId, err: error.message }, `after the backup: ${step}`);
    await applyRetention(retention, { replacedPointers: [outcome.previousManifestKey] }).catch(failed('retention could not run'));
    if (copies.settings.targets.length > 0) await copyToTargets(copies).catch(failed('the copy to the targets failed'));
  };
  const coordinator = new BackupCoordinator({
    pool,
    journal,
    logger,
    runBackup: (options) => runBackup(backup, options),
    closeStaleRuns: () => closeStaleRunsIfIdle(pool, journal, backup.target.database),
  });
  return {
    settings,
    journal,
    backup,
    coordinator,
    retention,
    copies,
    restoreContext: (target = backup.target, targetPool = pool) => ({
      pool: targetPool,
      storage,
      masterEncryptionKey,
      target,
      extensions: settings.restore.extensions,
      workDir: join(config.dataPath, 'restore-tmp'),
      logger,
      secrets,
    }),
    async stopNotifiers(graceMs) {
      detachWebhook?.();
      await webhook?.stop(graceMs);
    },
  };
}
