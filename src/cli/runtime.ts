import type { Pool } from 'pg';
import { loadConfig, type HostConfig, type SettingsOwner } from '../config/config';
import { resolveMasterKey } from '../config/master-key';
import { createPool } from '../db/pool';
import { Host, type HostOptions } from '../host/host';
import { resolvePluginsPath } from '../host/paths';
import { deriveMasterEncryptionKey } from '../keys/keys';
import { configSecrets, createLogger, SecretRedactor, type Logger } from '../logging/logger';
import type { ObjectStorage } from '../storage/object-storage';
import type { OpenedStorage } from '../storage/open/open-storage';

/**
 * What a CLI command gets: everything built lazily on first use, from the same environment the
 * host reads (loadConfig), and closed by the CLI when the command finishes. A command that only
 * prints help never parses the configuration or opens a connection.
 */
export interface CliRuntime {
  readonly env: NodeJS.ProcessEnv;
  /** Command output (keys, listings, object bytes). */
  readonly stdout: NodeJS.WritableStream;
  /** Logs and messages for the operator. */
  readonly stderr: NodeJS.WritableStream;
  /** The parsed configuration, with the settings of every plugin added; throws ConfigError listing every problem. */
  config(): HostConfig;
  /** A plugin's settings schema, validated with the host's at the first config() (plugin-commands.ts adds them). */
  addPluginSettings(owner: SettingsOwner): void;
  /** pino on stderr at COTTON_LOG_LEVEL in COTTON_LOG_FORMAT, secrets redacted. */
  logger(): Logger;
  /** The 32-byte master encryption key (COTTON_MASTER_KEY, or the development key file). */
  masterEncryptionKey(): Promise<Buffer>;
  /**
   * Cotton's storage pipeline over the configured backend (openStorage, as the host opens it: the
   * root must exist, the master key is proven). `write`: the command writes, so the storage gets
   * the same write probe as `serve` (which creates a missing root); a reading command skips it, so
   * that a read-only copy of the root can be read.
   */
  storage(options?: { write?: boolean }): Promise<ObjectStorage>;
  /** A pool over Cotton's database; ended by close(). */
  pool(): Pool;
  /** The plugins folder (COTTON_PLUGINS_PATH or `<repo>/plugins`). */
  pluginsPath(): string;
  /** Boots and starts a full Host (migrations, pg-boss, plugins, HTTP); stopped by close(). */
  startHost(options?: Partial<HostOptions>): Promise<Host>;
  /** `text` with every secret this runtime has met (configuration, master key) replaced: for messages to the operator. */
  redact(text: string): string;
  /** Registers cleanup to run at close(), in reverse order of registration. */
  onClose(cleanup: () => void | Promise<void>): void;
  close(): Promise<void>;
}

export interface CliRuntimeOptions {
  env?: NodeJS.ProcessEnv;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

type Cleanup = () => void | Promise<void>;

export function createCliRuntime(options: CliRuntimeOptions = {}): CliRuntime {
  const env = options.env ?? process.env;
  const redactor = new SecretRedactor();
  const cleanups: Cleanup[] = [];
  let config: HostConfig | undefined;
  const settingsOwners: SettingsOwner[] = [];
  let logger: Logger | undefined;
  let key: Promise<Buffer> | undefined;
  let pool: Pool | undefined;

  const runtime: CliRuntime = {
    env,
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
    config() {
      if (!config) {
        config = loadConfig(env, settingsOwners);
        for (const secret of configSecrets(config)) redactor.add(secret);
      }
      return config;
    },
    addPluginSettings(owner) {
      settingsOwners.push(owner);
    },
    logger() {
      logger ??= createLogger({ level: runtime.config().logLevel, format: runtime.config().logFormat, secrets: redactor });
      return logger;
    },
    masterEncryptionKey() {
      key ??= resolveMasterEncryptionKey(runtime, redactor);
      return key;
    },
    storage: (storageOptions) => storage(storageOptions),
    pool() {
      if (!pool) {
        const p = createPool(runtime.config().database, runtime.logger());
        pool = p;
        cleanups.push(() => p.end());
      }
      return pool;
    },
    pluginsPath() {
      return resolvePluginsPath(env.COTTON_PLUGINS_PATH);
    },
    async startHost(hostOptions = {}) {
      const host = new Host({ config: runtime.config(), logger: runtime.logger(), ...hostOptions });
      cleanups.push(() => host.stop());
      await host.start();
      return host;
    },
    redact(text) {
      return redactor.scrub(text);
    },
    onClose(cleanup) {
      cleanups.push(cleanup);
    },
    close: () => runCleanups(cleanups),
  };
  const storage = openStorageOnce(runtime, redactor);
  return runtime;
}

/** The configured root key (or the development key file) and the key derived from it, both added to the secrets. */
async function resolveMasterEncryptionKey(runtime: CliRuntime, redactor: SecretRedactor): Promise<Buffer> {
  const c = runtime.config();
  const root = await resolveMasterKey(c.masterKey, c.dataPath, (m) => runtime.logger().warn(m));
  redactor.add(root);
  const mek = deriveMasterEncryptionKey(root);
  redactor.add(mek.toString('base64'));
  return mek;
}

/** runtime.storage(): opened once, for reading; the first call that writes adds the write probe, once. */
function openStorageOnce(runtime: CliRuntime, redactor: SecretRedactor): CliRuntime['storage'] {
  let storage: Promise<OpenedStorage> | undefined;
  let writeProbed: Promise<void> | undefined;
  return async (storageOptions = {}) => {
    const write = storageOptions.write === true;
    storage ??= (async () => {
      const c = runtime.config();
      const masterEncryptionKey = await runtime.masterEncryptionKey();
      const { openStorage } = await import('../storage/open/open-storage');
      const { readCottonStorageSettings } = await import('../storage/s3/cotton-storage-settings');
      const opened = await openStorage({
        config: c,
        masterEncryptionKey,
        logger: runtime.logger(),
        cottonSettings: () => readCottonStorageSettings(runtime.pool()),
        addSecret: (secret) => redactor.add(secret),
        probe: write,
      });
      runtime.onClose(() => opened.close());
      if (write) writeProbed = Promise.resolve();
      return opened;
    })();
    const opened = await storage;
    // Opened for reading first, written to now: the write probe, once.
    if (write) await (writeProbed ??= opened.backend.probe());
    return opened.storage;
  };
}

/** Every cleanup, newest first, each even if an earlier one failed; then the first failure, if any. */
async function runCleanups(cleanups: Cleanup[]): Promise<void> {
  const errors: unknown[] = [];
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw errors[0];
}
