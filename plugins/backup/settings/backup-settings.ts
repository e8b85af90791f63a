import { z } from 'zod';
import { DEFAULT_CHUNKING } from '../chunking/fastcdc';
import { booleanVariable, cronVariable, timeZoneVariable } from '../../../src/config/variables';
import { loadPluginSettings, type HostConfig } from '../../../src/config/config';
import { definePluginSettings, settingsToken } from '../../../src/contract/plugin-settings';
import { retentionEnvironmentSchema, retentionPolicyFrom, type RetentionPolicy } from './retention';
import { copiesEnvironmentSchema, copySettingsFrom, type CopySettings } from './copies';
import { proofEnvironmentSchema, proofSettingsFrom, type ProofSettings } from './proofs';
import { webhookEnvironmentSchema, webhookSettingsFrom, type WebhookSettings } from './webhook';

/** COTTON_RESTORE_FALLBACK: what a restore may try when the latest backup is refused. No event records it, so the list lives here. */
export const RESTORE_FALLBACKS = ['none', 'previous'] as const;
export type RestoreFallback = (typeof RESTORE_FALLBACKS)[number];

/** The backup plugin's own environment variables; the host validates them with its own at start and in the CLI. */
const schema = z
  .object({
    COTTON_BACKUP_SCHEDULE: cronVariable.default('0 3 * * *'),
    COTTON_BACKUP_TIMEZONE: timeZoneVariable.optional(),
    COTTON_BACKUP_STAGGER_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
    COTTON_VERIFY_SCHEDULE: cronVariable.default('30 4 * * *'),
    COTTON_CHUNK_MIN_BYTES: z.coerce.number().int().min(4096).default(DEFAULT_CHUNKING.minBytes),
    COTTON_CHUNK_AVG_BYTES: z.coerce.number().int().min(8192).default(DEFAULT_CHUNKING.avgBytes),
    COTTON_CHUNK_MAX_BYTES: z.coerce.number().int().min(16384).max(64 * 1024 * 1024).default(DEFAULT_CHUNKING.maxBytes),
    COTTON_UPLOAD_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    COTTON_BACKUP_NOTIFY: z.enum(['on', 'off']).default('on'),
    COTTON_BACKUP_NOTIFY_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(10),
    COTTON_BACKUP_NOTIFY_ROLES: z
      .string()
      .regex(/^[^,\s]{1,63}(,[^,\s]{1,63})*$/, 'a comma-separated list of PostgreSQL role names')
      .optional(),
    COTTON_RESTORE_DATABASE_IF_EMPTY: booleanVariable.default(false),
    COTTON_RESTORE_FALLBACK: z.enum(RESTORE_FALLBACKS).default('none'),
    COTTON_RESTORE_EXTENSIONS: z
      .string()
      .regex(/^[a-z0-9_]+(,[a-z0-9_]+)*$/, 'a comma-separated list of extension names')
      .default('citext,hstore'),
    ...retentionEnvironmentSchema,
    ...copiesEnvironmentSchema,
    ...proofEnvironmentSchema,
    ...webhookEnvironmentSchema,
  })
  .superRefine((e, ctx) => {
    if (!(e.COTTON_CHUNK_MIN_BYTES < e.COTTON_CHUNK_AVG_BYTES && e.COTTON_CHUNK_AVG_BYTES < e.COTTON_CHUNK_MAX_BYTES)) {
      ctx.addIssue({ code: 'custom', message: 'COTTON_CHUNK_MIN_BYTES < COTTON_CHUNK_AVG_BYTES < COTTON_CHUNK_MAX_BYTES must hold' });
    }
  });

export interface BackupSettings {
  schedule: string;
  /** IANA zone of the backup, verification and drill schedules; undefined: Cotton's server_settings, else UTC (runtime/schedule-timezone.ts). */
  timezone?: string;
  /** Upper bound of the random delay before this process starts taking scheduled jobs (ms). */
  staggerMaxMs: number;
  /** Cron schedule of the end-to-end verification of the latest backup (same time zone as the backup schedule). */
  verifySchedule: string;
  chunking: { minBytes: number; avgBytes: number; maxBytes: number };
  uploadConcurrency: number;
  /** `NOTIFY cotton_backup`: off, or only from these login roles (undefined: any role). */
  notify: { enabled: boolean; roles?: string[]; perMinute: number };
  /** restic-style keep rules (settings/retention.ts). */
  retention: RetentionPolicy;
  restore: { ifEmpty: boolean; fallback: RestoreFallback; extensions: string[] };
  /** Copy targets off the box (settings/copies.ts). */
  copies: CopySettings;
  /** Row counts, restore drills, metrics (settings/proofs.ts). */
  proof: ProofSettings;
  /** Every admin notice POSTed to a URL too (settings/webhook.ts); undefined: none. */
  webhook?: WebhookSettings;
}

export const backupSettings = definePluginSettings(
  schema,
  (e): BackupSettings => ({
    schedule: e.COTTON_BACKUP_SCHEDULE,
    timezone: e.COTTON_BACKUP_TIMEZONE,
    staggerMaxMs: e.COTTON_BACKUP_STAGGER_MS,
    verifySchedule: e.COTTON_VERIFY_SCHEDULE,
    chunking: { minBytes: e.COTTON_CHUNK_MIN_BYTES, avgBytes: e.COTTON_CHUNK_AVG_BYTES, maxBytes: e.COTTON_CHUNK_MAX_BYTES },
    uploadConcurrency: e.COTTON_UPLOAD_CONCURRENCY,
    notify: { enabled: e.COTTON_BACKUP_NOTIFY === 'on', roles: e.COTTON_BACKUP_NOTIFY_ROLES?.split(','), perMinute: e.COTTON_BACKUP_NOTIFY_PER_MINUTE },
    retention: retentionPolicyFrom(e),
    proof: proofSettingsFrom(e),
    restore: {
      ifEmpty: e.COTTON_RESTORE_DATABASE_IF_EMPTY,
      fallback: e.COTTON_RESTORE_FALLBACK,
      extensions: e.COTTON_RESTORE_EXTENSIONS.split(','),
    },
    copies: copySettingsFrom(e),
    webhook: webhookSettingsFrom(e),
  }),
);

/** The plugin's name with its schema: what the host and the CLI validate (index.ts, cli.ts). */
export const backupSettingsOwner = { name: 'backup', settings: backupSettings };

/** Where the plugin finds its settings in its container. */
export const BackupSettingsToken = settingsToken(backupSettings);

/** The settings for a configuration parsed without the plugin (tools, tests): from the same environment. */
export function backupSettingsOf(config: Pick<HostConfig, 'environment' | 'pluginSettings'>): BackupSettings {
  return (config.pluginSettings.get(backupSettingsOwner.name) as BackupSettings | undefined) ?? loadPluginSettings(backupSettings, config.environment);
}
