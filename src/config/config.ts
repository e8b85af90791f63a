import { z } from 'zod';
import { retentionEnvironmentSchema, retentionPolicyFrom, type RetentionPolicy } from '../../plugins/backup/retention/settings';

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

/** Every variable the host reads. Cotton's names where Cotton has one (COTTON.md §6). */
export const environmentSchema = z.object({
  COTTON_PG_HOST: z.string().min(1).default('localhost'),
  COTTON_PG_PORT: port.default(5432),
  COTTON_PG_DATABASE: z.string().min(1).max(63).default('cotton_dev'),
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
  COTTON_ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  COTTON_ZSTD_LEVEL: z.coerce.number().int().min(1).max(19).default(1),
  COTTON_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  COTTON_PLUGINS_PATH: z.string().min(1).optional(),
  COTTON_BACKUP_SCHEDULE: z.string().min(1).default('0 3 * * *'),
  COTTON_BACKUP_TIMEZONE: z.string().min(1).optional(),
  COTTON_BACKUP_STAGGER_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  COTTON_VERIFY_SCHEDULE: z.string().min(1).default('30 4 * * *'),
  COTTON_CHUNK_MIN_BYTES: z.coerce.number().int().min(4096).default(256 * 1024),
  COTTON_CHUNK_AVG_BYTES: z.coerce.number().int().min(8192).default(1024 * 1024),
  COTTON_CHUNK_MAX_BYTES: z.coerce.number().int().min(16384).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
  COTTON_UPLOAD_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  ...retentionEnvironmentSchema,
});

export type Environment = z.infer<typeof environmentSchema>;

export interface HostConfig {
  database: { host: string; port: number; database: string; user: string; password?: string };
  /** Undefined until the master key is resolved (see resolveMasterKey). */
  masterKey?: string;
  restore: { ifEmpty: boolean; fallback: 'none' | 'previous'; extensions: string[] };
  storage: { root: string; zstdLevel: number };
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
    /** restic-style keep rules (plugins/backup/retention/settings.ts). */
    retention: RetentionPolicy;
  };
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
      retention: retentionPolicyFrom(e),
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
      return `expected ${issue.message}`;
    case 'invalid_type':
      return `expected ${issue.expected}`;
    default:
      return 'invalid value';
  }
}
