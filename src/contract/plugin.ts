import type { DependencyContainer } from 'tsyringe';
import type { PluginSettings } from './plugin-settings';

/** What a hook receives: the plugin's own child container, holding the host services (HostTokens). */
export interface PluginContext {
  container: DependencyContainer;
  /** Abort signal raised when the host begins to stop. */
  signal: AbortSignal;
}

/**
 * The contract between the host and a plugin. A plugin folder under `plugins/` (or
 * COTTON_PLUGINS_PATH) has an `index.ts` that default-exports one; folders load alphabetically.
 *
 * Order at start (src/host/host.ts): plugins load and their settings are validated with the
 * host's → every plugin's register → every startupRestore (before
 * migrations and traffic) → migrations of every plugin → pg-boss, notifications, HTTP routes
 * become available → every start → the host serves HTTP. Stop: HTTP closes, then stop() runs
 * in reverse plugin order, then pg-boss stops gracefully, then the listener and the pool close.
 * Any hook that throws during start aborts the start: the host stops what had started and never serves.
 *
 * Host services in the container (HostTokens, src/contract/services.ts):
 * - from register() on: Config, Logger (a child tagged with the plugin name), Clock, Pool,
 *   Storage, MasterEncryptionKey, and the plugin's own parsed settings (settingsToken(settings));
 * - from start() on (they need the schema, so they exist only after migrations): Boss,
 *   Notifications, Routes. Resolve them lazily (in start() or later), never in register() or
 *   startupRestore(). Routes must be added in start(): the HTTP router freezes when serving begins.
 * pg-boss queues must be created (boss.createQueue) before send/schedule/work.
 */
export interface CottonPlugin {
  name: string;
  version: string;
  /** Absolute path of the plugin's ordered `NNN_name.sql` files, or none. */
  migrationsPath?: string;
  /**
   * The plugin's own environment variables (src/contract/plugin-settings.ts). The host validates them
   * with its own before anything starts; the parsed settings are in the plugin's container under
   * settingsToken(settings) from register() on.
   */
  settings?: PluginSettings;
  /** Adds the plugin's services to its child container. Host services are already there. */
  register(container: DependencyContainer): void | Promise<void>;
  hooks?: {
    /**
     * Runs before migrations and before the host serves; only Config, Logger, Clock, Pool, Storage
     * and MasterEncryptionKey exist yet. Throwing here stops the host from starting at all.
     */
    startupRestore?(context: PluginContext): Promise<void>;
    start?(context: PluginContext): Promise<void>;
    stop?(context: PluginContext): Promise<void>;
  };
}

export function isCottonPlugin(value: unknown): value is CottonPlugin {
  const v = value as Partial<CottonPlugin> | null;
  return (
    typeof v === 'object' && v !== null && typeof v.name === 'string' && typeof v.version === 'string' && typeof v.register === 'function'
  );
}
