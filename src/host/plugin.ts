import type { DependencyContainer } from 'tsyringe';

/** What a hook receives: the plugin's own child container, holding the host services (HostTokens). */
export interface PluginContext {
  container: DependencyContainer;
  /** Abort signal raised when the host begins to stop. */
  signal: AbortSignal;
}

/**
 * The contract between the host and a plugin. A plugin folder under `plugins/` default-exports one.
 * Order at start: register → startupRestore (before migrations and traffic) → migrations → start;
 * stop runs in reverse plugin order.
 */
export interface CottonPlugin {
  name: string;
  version: string;
  /** Absolute path of the plugin's ordered `NNN_name.sql` files, or none. */
  migrationsPath?: string;
  /** Adds the plugin's services to its child container. Host services are already there. */
  register(container: DependencyContainer): void | Promise<void>;
  hooks?: {
    /** Runs before migrations and before the host serves; only services that need no schema exist yet. */
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
