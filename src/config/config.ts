import { z } from 'zod';
import { cronProblem } from './cron';
import { DATABASE_HOST, DATABASE_NAME, DATABASE_NAME_RULE } from './database-name';
import { retentionEnvironmentSchema, retentionPolicyFrom, type RetentionPolicy } from '../../plugins/backup/retention/settings';
import { proofEnvironmentSchema, proofSettingsFrom, type ProofSettings } from '../../plugins/backup/drills/settings';

/** A configuration problem found at start; names the variable and what was expected, never the value of a secret. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(1).max(65535);

const cron = z.string().superRefine((value, ctx) => {
  const problem = cronProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `a cron expression such as "0 3 * * *" (${problem})` });
});

/** Every variable the host reads. Cotton's names where Cotton has one (COTTON.md §6). */
export const environmentSchema = z.object({
  COTTON_PG_HOST: z
    .string()
    .regex(DATABASE_HOST, 'a host name, an IP address or a socket directory (one host: no comma, space or quote)')
    .default('localhost'),
  COTTON_PG_PORT: port.default(5432),
  COTTON_PG_DATABASE: z.string().regex(DATABASE_NAME, DATABASE_NAME_RULE).default('cotton_dev'),
  COTTON_PG_USERNAME: z.string().min(1).default('postgres'),
  COTTON_PG_PASSWORD: z.string().optional(),
  COTTON_MASTER_KEY: z.string().length(32, 'exactly 32 characters').optional(),
  COTTON_RESTORE_DATABASE_IF_EMPTY: boolean.default(false),
  COTTON_RESTORE_FALLBACK: z.enum(['none', 'previous']).default('none'),
  COTTON_RESTORE_EXTENSIONS: z
    .string()
    .regex(/^[a-z0-9_]+(,[a-z0-9_]+)*$/, 'a comma-separated list of extension names')
    .default('citext,hstore'),
  COTTON_STORAGE_PATH: z.string().min(1).default('./data/files'),
  COTTON_DATA_PATH: z.string().min(1).default('./data'),
  COTTON_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  COTTON_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  COTTON_ADMIN_TOKEN: z
    .string()
    .min(16, 'at least 16 characters')
    // A Bearer header carries no whitespace (and no reliable non-ASCII): such a token could never match.
    .regex(/^[\x21-\x7e]*$/, 'visible ASCII characters only, without spaces, tabs or line breaks')
    .optional(),
  COTTON_ZSTD_LEVEL: z.coerce.number().int().min(1).max(19).default(1),
  COTTON_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  COTTON_PLUGINS_PATH: z.string().min(1).optional(),
  COTTON_BACKUP_SCHEDULE: cron.default('0 3 * * *'),
  COTTON_BACKUP_TIMEZONE: z.string().min(1).optional(),
  COTTON_BACKUP_STAGGER_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  COTTON_VERIFY_SCHEDULE: cron.default('30 4 * * *'),
  COTTON_CHUNK_MIN_BYTES: z.coerce.number().int().min(4096).default(256 * 1024),
  COTTON_CHUNK_AVG_BYTES: z.coerce.number().int().min(8192).default(1024 * 1024),
  COTTON_CHUNK_MAX_BYTES: z.coerce.number().int().min(16384).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
  COTTON_UPLOAD_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  COTTON_BACKUP_NOTIFY: z.enum(['on', 'off']).default('on'),
  COTTON_BACKUP_NOTIFY_ROLES: z
    .string()
    .regex(/^[^,\s]{1,63}(,[^,\s]{1,63})*$/, 'a comma-separated list of PostgreSQL role names')
    .optional(),
  // S3 storage (src/storage/s3): each one overrides Cotton's server_settings; a bucket alone selects S3.
  COTTON_STORAGE_S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  COTTON_STORAGE_S3_REGION: z.string().min(1).optional(),
  COTTON_STORAGE_S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name').optional(),
  COTTON_STORAGE_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  COTTON_STORAGE_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  COTTON_STORAGE_S3_PATH_STYLE: boolean.default(true),
  COTTON_STORAGE_S3_PREFIX: z.string().regex(/^([A-Za-z0-9._-]+\/)+$/, 'folder names ending with "/", e.g. "cotton/"').optional(),
  ...retentionEnvironmentSchema,
  ...proofEnvironmentSchema,
});

export type Environment = z.infer<typeof environmentSchema>;

export interface HostConfig {
  database: { host: string; port: number; database: string; user: string; password?: string };
  /** Undefined until the master key is resolved (see resolveMasterKey). */
  masterKey?: string;
  restore: { ifEmpty: boolean; fallback: 'none' | 'previous'; extensions: string[] };
  storage: { root: string; zstdLevel: number };
  /** COTTON_STORAGE_S3_*: which S3 storage, if any (resolved with Cotton's server_settings by src/storage/s3). */
  s3: S3Environment;
  dataPath: string;
  http: { host: string; port: number; adminToken?: string };
  logLevel: Environment['COTTON_LOG_LEVEL'];
  pluginsPath?: string;
  backup: {
    schedule: string;
    timezone?: string;
    /** Upper bound of the random delay before this process starts taking scheduled jobs (ms). */
    staggerMaxMs: number;
    /** Cron schedule of the end-to-end verification of the latest backup (same time zone as the backup schedule). */
    verifySchedule: string;
    chunking: { minBytes: number; avgBytes: number; maxBytes: number };
    uploadConcurrency: number;
    /** `NOTIFY cotton_backup`: off, or only from these login roles (undefined: any role). */
    notify: { enabled: boolean; roles?: string[] };
    /** restic-style keep rules (plugins/backup/retention/settings.ts). */
    retention: RetentionPolicy;
    /** Row counts, restore drills, metrics (plugins/backup/drills/settings.ts). */
    proof: ProofSettings;
  };
}

/** The COTTON_STORAGE_S3_* variables as given (each undefined when unset). */
export interface S3Environment {
  endpoint?: string;
  region?: string;
  bucket?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  prefix?: string;
}

/** Parses the environment; every problem at once, each naming its variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HostConfig {
  const picked = Object.fromEntries(
    Object.keys(environmentSchema.shape).map((name) => [name, emptyToUndefined(env[name])]),
  );
  const parsed = environmentSchema.safeParse(picked);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const variable = String(issue.path[0]);
        return `${variable}: ${describeExpectation(issue)}`;
      }),
    );
  }
  const e = parsed.data;
  const chunking = { minBytes: e.COTTON_CHUNK_MIN_BYTES, avgBytes: e.COTTON_CHUNK_AVG_BYTES, maxBytes: e.COTTON_CHUNK_MAX_BYTES };
  if (!(chunking.minBytes < chunking.avgBytes && chunking.avgBytes < chunking.maxBytes)) {
    throw new ConfigError(['COTTON_CHUNK_MIN_BYTES < COTTON_CHUNK_AVG_BYTES < COTTON_CHUNK_MAX_BYTES must hold']);
  }
  return {
    database: {
      host: e.COTTON_PG_HOST,
      port: e.COTTON_PG_PORT,
      database: e.COTTON_PG_DATABASE,
      user: e.COTTON_PG_USERNAME,
      password: e.COTTON_PG_PASSWORD,
    },
    masterKey: e.COTTON_MASTER_KEY,
    restore: {
      ifEmpty: e.COTTON_RESTORE_DATABASE_IF_EMPTY,
      fallback: e.COTTON_RESTORE_FALLBACK,
      extensions: e.COTTON_RESTORE_EXTENSIONS.split(','),
    },
    storage: { root: e.COTTON_STORAGE_PATH, zstdLevel: e.COTTON_ZSTD_LEVEL },
    s3: {
      endpoint: e.COTTON_STORAGE_S3_ENDPOINT,
      region: e.COTTON_STORAGE_S3_REGION,
      bucket: e.COTTON_STORAGE_S3_BUCKET,
      accessKeyId: e.COTTON_STORAGE_S3_ACCESS_KEY_ID,
      secretAccessKey: e.COTTON_STORAGE_S3_SECRET_ACCESS_KEY,
      forcePathStyle: e.COTTON_STORAGE_S3_PATH_STYLE,
      prefix: e.COTTON_STORAGE_S3_PREFIX,
    },
    dataPath: e.COTTON_DATA_PATH,
    http: { host: e.COTTON_HTTP_HOST, port: e.COTTON_HTTP_PORT, adminToken: e.COTTON_ADMIN_TOKEN },
    logLevel: e.COTTON_LOG_LEVEL,
    pluginsPath: e.COTTON_PLUGINS_PATH,
    backup: {
      schedule: e.COTTON_BACKUP_SCHEDULE,
      timezone: e.COTTON_BACKUP_TIMEZONE,
      staggerMaxMs: e.COTTON_BACKUP_STAGGER_MS,
      verifySchedule: e.COTTON_VERIFY_SCHEDULE,
      chunking,
      uploadConcurrency: e.COTTON_UPLOAD_CONCURRENCY,
      notify: { enabled: e.COTTON_BACKUP_NOTIFY === 'on', roles: e.COTTON_BACKUP_NOTIFY_ROLES?.split(',') },
      retention: retentionPolicyFrom(e),
      proof: proofSettingsFrom(e),
    },
  };
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

// zod's own messages may quote the received value; a secret's value must never be echoed, so
// the message is rebuilt from the issue's kind alone.
function describeExpectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      return issue.message.startsWith('exactly') || issue.message.startsWith('at least')
        ? `expected ${issue.message}`
        : `expected a value of at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.message.startsWith('exactly') ? `expected ${issue.message}` : `expected a value of at most ${String(issue.maximum)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
    case 'custom':
      return `expected ${issue.message}`;
    case 'invalid_type':
      return `expected ${issue.expected}`;
    default:
      return 'invalid value';
  }
}
