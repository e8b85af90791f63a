import { z } from 'zod';
import { DATABASE_HOST, DATABASE_NAME, DATABASE_NAME_RULE } from './database-name';
import { booleanVariable as boolean } from './variables';
import type { PluginSettings } from './plugin-settings';

/** `json`: pino's JSON lines (epoch ms, numeric level); `text`: one line with an ISO time and the level's name. */
export const LOG_FORMATS = ['json', 'text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** A configuration problem found at start; names the variable and what was expected, never the value of a secret. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const port = z.coerce.number().int().min(1).max(65535);

/**
 * Every variable the host itself reads. Cotton's names where Cotton has one (COTTON.md §6). A
 * plugin's own variables are in its own schema (CottonPlugin.settings), validated with these.
 */
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
  COTTON_LOG_FORMAT: z.enum(LOG_FORMATS).default('json'),
  COTTON_PLUGINS_PATH: z.string().min(1).optional(),
  // S3 storage (src/storage/s3): each one overrides Cotton's server_settings; a bucket alone selects S3.
  COTTON_STORAGE_S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  COTTON_STORAGE_S3_REGION: z.string().min(1).optional(),
  COTTON_STORAGE_S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name').optional(),
  COTTON_STORAGE_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  COTTON_STORAGE_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  COTTON_STORAGE_S3_PATH_STYLE: boolean.default(true),
  COTTON_STORAGE_S3_PREFIX: z.string().regex(/^([A-Za-z0-9._-]+\/)+$/, 'folder names ending with "/", e.g. "cotton/"').optional(),
});

export type Environment = z.infer<typeof environmentSchema>;

export interface HostConfig {
  database: { host: string; port: number; database: string; user: string; password?: string };
  /** Undefined until the master key is resolved (see resolveMasterKey). */
  masterKey?: string;
  storage: { root: string; zstdLevel: number };
  /** COTTON_STORAGE_S3_*: which S3 storage, if any (resolved with Cotton's server_settings by src/storage/s3). */
  s3: S3Environment;
  dataPath: string;
  http: { host: string; port: number; adminToken?: string };
  logLevel: Environment['COTTON_LOG_LEVEL'];
  /** COTTON_LOG_FORMAT; `json` when absent. */
  logFormat?: LogFormat;
  pluginsPath?: string;
  /** The COTTON_* (and AWS_*) variables as given, for the plugins' schemas (settingsOf). */
  environment: Readonly<Record<string, string | undefined>>;
  /** Each plugin's parsed settings, by plugin name, for the plugins loadConfig was given. */
  pluginSettings: ReadonlyMap<string, unknown>;
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

/** A plugin as far as configuration goes: its name and its settings schema, if any. */
export interface SettingsOwner {
  name: string;
  settings?: PluginSettings;
}

/**
 * Parses the environment: the host's variables and those of every plugin given, every problem
 * at once in one ConfigError, each naming its variable (never a secret's value).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, plugins: readonly SettingsOwner[] = []): HostConfig {
  // AWS_*: the SDK's standard variables, which the backup plugin's S3 copy targets read.
  const environment = Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('COTTON_') || name.startsWith('AWS_')));
  const host = parseVariables(environmentSchema, environment);
  const settings = parsePluginSettings(environment, plugins);
  const problems = [...host.problems, ...settings.problems];
  if (!host.data || problems.length > 0) throw new ConfigError(problems);
  const e = host.data;
  return {
    database: {
      host: e.COTTON_PG_HOST,
      port: e.COTTON_PG_PORT,
      database: e.COTTON_PG_DATABASE,
      user: e.COTTON_PG_USERNAME,
      password: e.COTTON_PG_PASSWORD,
    },
    masterKey: e.COTTON_MASTER_KEY,
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
    logFormat: e.COTTON_LOG_FORMAT,
    pluginsPath: e.COTTON_PLUGINS_PATH,
    environment,
    pluginSettings: settings.values,
  };
}

/**
 * The settings of every plugin given, from a configuration parsed before the plugins were
 * known: those loadConfig already parsed, the others from `config.environment`, all problems in
 * one ConfigError.
 */
export function settingsOf(config: HostConfig, plugins: readonly SettingsOwner[]): Map<string, unknown> {
  const missing = plugins.filter((p) => !config.pluginSettings.has(p.name));
  const parsed = parsePluginSettings(config.environment, missing);
  if (parsed.problems.length > 0) throw new ConfigError(parsed.problems);
  return new Map([...config.pluginSettings, ...parsed.values]);
}

/** One plugin's settings from an environment; a ConfigError names every problem. */
export function loadPluginSettings<T>(settings: PluginSettings<T>, env: NodeJS.ProcessEnv | Readonly<Record<string, string | undefined>>): T {
  const parsed = parsePluginSettings(env, [{ name: 'plugin', settings }]);
  if (parsed.problems.length > 0) throw new ConfigError(parsed.problems);
  return parsed.values.get('plugin') as T;
}

function parsePluginSettings(env: Readonly<Record<string, string | undefined>>, plugins: readonly SettingsOwner[]) {
  const values = new Map<string, unknown>();
  const problems: string[] = [];
  for (const plugin of plugins) {
    if (!plugin.settings) continue;
    const parsed = parseVariables(plugin.settings.schema, env);
    problems.push(...parsed.problems);
    if (parsed.data && parsed.problems.length === 0) values.set(plugin.name, plugin.settings.build(parsed.data));
  }
  return { values, problems };
}

/** The schema's variables (empty = unset) parsed; problems name the variable and what was expected. */
export function parseVariables<S extends z.ZodObject>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
): { data?: z.output<S>; problems: string[] } {
  const picked = Object.fromEntries(Object.keys(schema.shape).map((name) => [name, emptyToUndefined(env[name])]));
  const parsed = schema.safeParse(picked);
  if (parsed.success) return { data: parsed.data, problems: [] };
  return {
    problems: parsed.error.issues.map((issue) => (issue.path.length > 0 ? `${String(issue.path[0])}: ${describeExpectation(issue)}` : issue.message)),
  };
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

// zod's own messages may quote the received value; a secret's value must never be echoed, so
// the message is rebuilt from the issue's kind alone.
export function describeExpectation(issue: z.core.$ZodIssue): string {
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
