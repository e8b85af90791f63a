import { resolvePluginsPath } from '../host/paths';
import type { SettingsOwner } from '../config/config';
import type { CliRuntime, CliRuntimeOptions } from './runtime';

/**
 * The runtime commands are registered with. Its streams, environment and plugins folder are there
 * at once; everything else is the real runtime (./runtime: configuration, pool, storage, host, and
 * with them zod, pg, pino, tsyringe), imported by `load()` only when a command's action is about to
 * run. So `--help` and a usage error never pay for those modules.
 */
export function createDeferredRuntime(options: CliRuntimeOptions = {}): { runtime: CliRuntime; load(): Promise<CliRuntime> } {
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  let real: CliRuntime | undefined;
  const settingsOwners: SettingsOwner[] = [];
  const need = (): CliRuntime => {
    if (!real) throw new Error('the CLI runtime was used before a command ran (use it inside an action)');
    return real;
  };
  const runtime: CliRuntime = {
    env,
    stdout,
    stderr,
    config: () => need().config(),
    // Plugins add their settings schemas while registering commands, before the real runtime exists.
    addPluginSettings: (owner) => (real ? real.addPluginSettings(owner) : void settingsOwners.push(owner)),
    logger: () => need().logger(),
    masterEncryptionKey: () => need().masterEncryptionKey(),
    storage: (options) => need().storage(options),
    pool: () => need().pool(),
    pluginsPath: () => (real ? real.pluginsPath() : resolvePluginsPath(env.COTTON_PLUGINS_PATH)),
    startHost: (hostOptions) => need().startHost(hostOptions),
    onClose: (cleanup) => need().onClose(cleanup),
    // Before a command runs no secret has been read, so there is nothing to scrub yet.
    redact: (text) => (real ? real.redact(text) : text),
    close: async () => real?.close(),
  };
  return {
    runtime,
    async load() {
      if (!real) {
        real = (await import('./runtime')).createCliRuntime({ env, stdout, stderr });
        for (const owner of settingsOwners) real.addPluginSettings(owner);
      }
      return real;
    },
  };
}
