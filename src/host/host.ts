import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import type { PgBoss } from 'pg-boss';
import { container as globalContainer, type DependencyContainer } from 'tsyringe';
import { loadConfig, settingsOf, type HostConfig } from '../config/config';
import { checkHttpAddress } from '../config/http-address';
import { resolveMasterKey } from '../config/master-key';
import { DatabaseUnreachableError } from '../db/connection-failure';
import { connectionConfig, createPool } from '../db/pool';
import { PING } from '../db/sql';
import { ensureDatabaseExists } from '../db/ensure-database';
import { runMigrations, type MigrationOutcome } from '../db/migrations/runner';
import type { HttpServer } from '../http/server';
import { deriveMasterEncryptionKey } from '../keys/keys';
import { configSecrets, createLogger, SecretRedactor, type Logger } from '../logging/logger';
import type { PgListenSubscriber } from '../notify/subscriber';
import type { ObjectStorage } from '../storage/object-storage';
import { systemClock } from '../contract/clock';
import { loadPlugins, type LoadedPlugin } from './load-plugins';
import { HOST_VERSION, resolvePluginsPath } from './paths';
import type { CottonPlugin, PluginContext } from '../contract/plugin';
import { HostTokens, type Clock } from '../contract/services';
import { provide } from '../contract/tokens';

/** pg-boss keeps its tables in a schema of its own inside Cotton's database. */
export const PGBOSS_SCHEMA = 'pgboss';

export type StorageFactory = (options: { root: string; masterEncryptionKey: Buffer; zstdLevel?: number }) => ObjectStorage | Promise<ObjectStorage>;

export interface HostOptions {
  /** Parsed configuration; default loadConfig(env) with the plugins' settings. */
  config?: HostConfig;
  /** Environment read when `config` is not given (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Plugins folder; overrides config.pluginsPath (COTTON_PLUGINS_PATH) and the default `<repo>/plugins`. */
  pluginsPath?: string;
  /** Logger to use; default a pino logger on stderr at config.logLevel with the config's secrets redacted. */
  logger?: Logger;
  clock?: Clock;
  /** Storage for tests (a test double); default openStorage from src/storage/open/open-storage, the configured backend. */
  createStorage?: StorageFactory;
  /** How long stop() lets pg-boss finish active jobs (ms, default 30 s). */
  stopTimeoutMs?: number;
}

export type HostState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

interface StartedPlugin {
  loaded: LoadedPlugin;
  container: DependencyContainer;
}

/**
 * The plugin host. start() runs, in order:
 * plugin load → config (host and plugin settings) → logger → HTTP address check → master key → database pool → storage → plugin register →
 * startupRestore hooks → migrations → pg-boss → notification subscriber → plugin start hooks → HTTP.
 * A failure at any step stops what had started (in reverse) and rejects with the original error;
 * the host then never serves. stop() reverses: HTTP, plugins (reverse order), pg-boss (graceful),
 * subscriber, pool.
 */
export class Host {
  readonly #options: HostOptions;
  readonly #abort = new AbortController();
  readonly #redactor = new SecretRedactor();
  #state: HostState = 'new';
  #config?: HostConfig;
  #logger?: Logger;
  #root?: DependencyContainer;
  #pool?: Pool;
  #boss?: PgBoss;
  #subscriber?: PgListenSubscriber;
  #http?: HttpServer;
  #plugins: LoadedPlugin[] = [];
  #registered: StartedPlugin[] = [];
  #started: StartedPlugin[] = [];
  #migrations: MigrationOutcome[] = [];
  #closeStorage?: () => Promise<void>;
  #starting?: Promise<void>;
  #stopping?: Promise<void>;

  constructor(options: HostOptions = {}) {
    this.#options = options;
  }

  get state(): HostState {
    return this.#state;
  }

  /** The host's root container (host services); each plugin has a child of it. */
  get container(): DependencyContainer {
    if (!this.#root) throw new Error('the host has not started');
    return this.#root;
  }

  /** A plugin's own child container, by plugin name. */
  pluginContainer(name: string): DependencyContainer | undefined {
    return this.#registered.find((p) => p.loaded.plugin.name === name)?.container;
  }

  get plugins(): readonly LoadedPlugin[] {
    return this.#plugins;
  }

  get migrations(): readonly MigrationOutcome[] {
    return this.#migrations;
  }

  /** The HTTP server's bound address once serving (port 0 resolved). */
  get httpAddress(): AddressInfo | undefined {
    return this.#http?.address;
  }

  /** `http://host:port` once serving. */
  get url(): string | undefined {
    return this.#http?.url;
  }

  get config(): HostConfig {
    if (!this.#config) throw new Error('the host has not started');
    return this.#config;
  }

  get logger(): Logger {
    if (!this.#logger) throw new Error('the host has not started');
    return this.#logger;
  }

  async start(): Promise<void> {
    if (this.#state !== 'new') throw new Error(`Host.start() called twice (state ${this.#state})`);
    this.#state = 'starting';
    this.#starting = (async () => {
      try {
        await this.#start();
        this.#state = 'running';
      } catch (error) {
        const stopped = this.#abort.signal.aborted;
        if (stopped) this.#logger?.info('host stopped while starting');
        // The error is start()'s rejection: its caller says it once (`serve` prints one line).
        // The stack, for a bug rather than an operator's mistake, is at debug (COTTON_LOG_LEVEL=debug).
        else this.#logger?.debug({ err: error }, 'host failed to start; stopping what had started');
        await this.#teardown();
        this.#state = stopped ? 'stopped' : 'failed';
        throw error;
      }
    })();
    return this.#starting;
  }

  /**
   * Graceful, idempotent stop. Safe to call from a signal handler while start() is in flight:
   * the start is aborted at its next step (hooks see context.signal), and stop() resolves once
   * everything it had started is stopped.
   */
  async stop(): Promise<void> {
    if (this.#state === 'starting') {
      this.#abort.abort();
      await this.#starting?.catch(() => undefined);
    }
    if (this.#state === 'new' || this.#state === 'stopped' || this.#state === 'failed') {
      if (this.#state === 'new') this.#state = 'stopped';
      return;
    }
    this.#stopping ??= (async () => {
      this.#state = 'stopping';
      this.#logger?.info('host stopping');
      await this.#teardown();
      this.#state = 'stopped';
      this.#logger?.info('host stopped');
    })();
    return this.#stopping;
  }

  /** The steps of start(), in the order they run; after each slow one a stop() in flight aborts the start. */
  async #start(): Promise<void> {
    const { config, settings, pluginsPath } = await this.#loadPluginsAndConfig();
    const logger = this.#startLogger(config);
    const clock = this.#options.clock ?? systemClock;
    await checkHttpAddress(config.http.host, config.http.port);
    const masterEncryptionKey = await this.#resolveMasterEncryptionKey(config, logger);
    this.#checkAborted();
    const pool = await this.#connectDatabase(config, logger);
    this.#checkAborted();
    // After the pool: on a Cotton deployment on S3, the bucket is named in Cotton's server_settings.
    const storage = await this.#openStorage(config, masterEncryptionKey, logger, pool);
    this.#checkAborted();
    const root = this.#provideHostServices({ config, logger, clock, pool, storage, masterEncryptionKey });
    logger.info({ pluginsPath, plugins: this.#plugins.map((p) => `${p.plugin.name}@${p.plugin.version}`) }, 'plugins loaded');
    await this.#registerPlugins(root, settings, logger);
    await this.#runStartupRestoreHooks();
    await this.#migrate(pool, logger);
    this.#checkAborted();
    const http = await this.#startJobsNotificationsAndRoutes(root, config, logger, clock);
    this.#checkAborted();
    await this.#runStartHooks();
    const address = await http.listen(config.http.host, config.http.port);
    logger.info({ url: http.url, port: address.port, version: HOST_VERSION }, 'host serving');
  }

  /** Plugins load first: their settings schemas are validated with the host's, one message for all. */
  async #loadPluginsAndConfig(): Promise<{ config: HostConfig; settings: ReturnType<typeof settingsOf>; pluginsPath: string }> {
    const options = this.#options;
    const env = options.env ?? process.env;
    const pluginsPath = options.pluginsPath ?? resolvePluginsPath(options.config ? options.config.pluginsPath : env.COTTON_PLUGINS_PATH || undefined);
    this.#plugins = await loadPlugins(pluginsPath);
    const config = options.config ?? loadConfig(env, this.#plugins.map((p) => p.plugin));
    const settings = settingsOf(config, this.#plugins.map((p) => p.plugin));
    this.#config = config;
    for (const secret of configSecrets(config)) this.#redactor.add(secret);
    return { config, settings, pluginsPath };
  }

  #startLogger(config: HostConfig): Logger {
    const logger = this.#options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat, secrets: this.#redactor });
    this.#logger = logger;
    return logger;
  }

  async #resolveMasterEncryptionKey(config: HostConfig, logger: Logger): Promise<Buffer> {
    const rootKey = await resolveMasterKey(config.masterKey, config.dataPath, (message) => logger.warn(message));
    this.#redactor.add(rootKey);
    const masterEncryptionKey = deriveMasterEncryptionKey(rootKey);
    this.#redactor.add(masterEncryptionKey.toString('base64'));
    return masterEncryptionKey;
  }

  async #connectDatabase(config: HostConfig, logger: Logger): Promise<Pool> {
    await ensureDatabaseExists(config.database, logger);
    const pool = createPool(config.database, logger);
    this.#pool = pool;
    await checkDatabase(pool, config);
    return pool;
  }

  async #openStorage(config: HostConfig, masterEncryptionKey: Buffer, logger: Logger, pool: Pool): Promise<ObjectStorage> {
    const { createStorage } = this.#options;
    if (createStorage) return createStorage({ root: config.storage.root, masterEncryptionKey, zstdLevel: config.storage.zstdLevel });
    const { openStorage } = await import('../storage/open/open-storage');
    const { readCottonStorageSettings } = await import('../storage/s3/cotton-storage-settings');
    const opened = await openStorage({
      config,
      masterEncryptionKey,
      logger,
      cottonSettings: () => readCottonStorageSettings(pool),
      addSecret: (secret) => this.#redactor.add(secret),
    });
    this.#closeStorage = opened.close;
    return opened.storage;
  }

  /** The root container with what the host has so far; pg-boss, notifications and routes join it later. */
  #provideHostServices(services: { config: HostConfig; logger: Logger; clock: Clock; pool: Pool; storage: ObjectStorage; masterEncryptionKey: Buffer }): DependencyContainer {
    const root = globalContainer.createChildContainer();
    this.#root = root;
    provide(root, HostTokens.Config, services.config);
    provide(root, HostTokens.Logger, services.logger);
    provide(root, HostTokens.Clock, services.clock);
    provide(root, HostTokens.Pool, services.pool);
    provide(root, HostTokens.Storage, services.storage);
    provide(root, HostTokens.MasterEncryptionKey, services.masterEncryptionKey);
    return root;
  }

  /** Each plugin registers into a child container of its own, with its logger and settings. */
  async #registerPlugins(root: DependencyContainer, settings: ReturnType<typeof settingsOf>, logger: Logger): Promise<void> {
    for (const loaded of this.#plugins) {
      const child = root.createChildContainer();
      provide(child, HostTokens.Logger, logger.child({ plugin: loaded.plugin.name }));
      if (settings.has(loaded.plugin.name)) provide(child, HostTokens.PluginSettings, settings.get(loaded.plugin.name));
      await step(loaded.plugin, 'register', () => loaded.plugin.register(child));
      this.#registered.push({ loaded, container: child });
    }
  }

  async #runStartupRestoreHooks(): Promise<void> {
    for (const p of this.#registered) {
      const hook = p.loaded.plugin.hooks?.startupRestore;
      if (hook) await step(p.loaded.plugin, 'startupRestore', () => hook.call(p.loaded.plugin.hooks, this.#context(p)));
      this.#checkAborted();
    }
  }

  async #migrate(pool: Pool, logger: Logger): Promise<void> {
    this.#migrations = await runMigrations(
      pool,
      this.#plugins.filter((p) => p.plugin.migrationsPath).map((p) => ({ plugin: p.plugin.name, path: p.plugin.migrationsPath! })),
      logger,
    );
  }

  /** pg-boss started, the notification subscriber connected, the HTTP server built (not listening yet), all provided to plugins. */
  async #startJobsNotificationsAndRoutes(root: DependencyContainer, config: HostConfig, logger: Logger, clock: Clock): Promise<HttpServer> {
    // pg-boss, pg-listen and fastify load here, not at import: a CLI command that never starts a
    // host (`--help`, `list`) must not pay for them.
    const [{ PgBoss }, { PgListenSubscriber }, { HttpServer }] = await Promise.all([
      import('pg-boss'),
      import('../notify/subscriber'),
      import('../http/server'),
    ]);
    const boss = new PgBoss({ ...connectionConfig(config.database, 'cotton-backup-pgboss'), schema: PGBOSS_SCHEMA, max: 4 });
    boss.on('error', (error) => logger.error({ err: error }, 'pg-boss error'));
    this.#boss = boss;
    await boss.start();

    const subscriber = new PgListenSubscriber(connectionConfig(config.database), logger.child({ component: 'notify' }));
    this.#subscriber = subscriber;
    await subscriber.connect();

    const http = new HttpServer({ logger, adminToken: config.http.adminToken, version: HOST_VERSION, clock });
    this.#http = http;
    http.routes.admin({
      method: 'GET',
      url: '/api/v1/host/plugins',
      handler: async () => ({ plugins: this.#plugins.map((p) => ({ name: p.plugin.name, version: p.plugin.version, folder: p.folder })) }),
    });
    provide(root, HostTokens.Boss, boss);
    provide(root, HostTokens.Notifications, subscriber);
    provide(root, HostTokens.Routes, http.routes);
    return http;
  }

  async #runStartHooks(): Promise<void> {
    for (const p of this.#registered) {
      const hook = p.loaded.plugin.hooks?.start;
      // Counted as started before the hook runs: a hook that fails halfway still gets its stop().
      this.#started.push(p);
      if (hook) await step(p.loaded.plugin, 'start', () => hook.call(p.loaded.plugin.hooks, this.#context(p)));
      this.#checkAborted();
    }
  }

  #context(p: StartedPlugin): PluginContext {
    return { container: p.container, signal: this.#abort.signal };
  }

  #checkAborted(): void {
    if (this.#abort.signal.aborted) throw new Error('host stopped while starting');
  }

  /** Stops whatever exists, in reverse order; every step runs even if an earlier one fails. */
  async #teardown(): Promise<void> {
    this.#abort.abort();
    const logger = this.#logger;
    const attempt = async (what: string, action: () => Promise<unknown> | unknown): Promise<void> => {
      try {
        await action();
      } catch (error) {
        logger?.error({ err: error }, `stopping ${what} failed`);
      }
    };
    if (this.#http) await attempt('HTTP server', () => this.#http!.close());
    for (const p of [...this.#started].reverse()) {
      const hook = p.loaded.plugin.hooks?.stop;
      if (hook) await attempt(`plugin ${p.loaded.plugin.name}`, () => hook.call(p.loaded.plugin.hooks, this.#context(p)));
    }
    this.#started = [];
    if (this.#boss) await attempt('pg-boss', () => this.#boss!.stop({ graceful: true, close: true, timeout: this.#options.stopTimeoutMs ?? 30_000 }));
    if (this.#subscriber) await attempt('notification subscriber', () => this.#subscriber!.close());
    if (this.#pool) await attempt('database pool', () => this.#pool!.end());
    if (this.#closeStorage) await attempt('storage', this.#closeStorage);
    this.#closeStorage = undefined;
    this.#http = undefined;
    this.#boss = undefined;
    this.#subscriber = undefined;
    this.#pool = undefined;
  }
}

async function step(plugin: CottonPlugin, hook: string, run: () => unknown): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (error instanceof Error && !error.message.includes(plugin.name)) {
      error.message = `plugin ${plugin.name}: ${hook} failed: ${error.message}`;
    }
    throw error;
  }
}

/** Fails fast, with the connection target (never the password), when the database is unreachable. */
async function checkDatabase(pool: Pool, config: HostConfig): Promise<void> {
  try {
    await pool.query(PING);
  } catch (error) {
    throw new DatabaseUnreachableError(config.database, error);
  }
}
