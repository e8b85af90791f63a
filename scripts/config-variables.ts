import { fileURLToPath } from 'node:url';
import { environmentSchema } from '../src/config/config';
import { loadPlugins } from '../src/host/load-plugins';

/** Every variable of the host's schema and of each plugin's own settings schema (the repository's plugins). */
export async function configVariables(): Promise<string[]> {
  const plugins = await loadPlugins(fileURLToPath(new URL('../plugins', import.meta.url)));
  const pluginVariables = plugins.flatMap((p) => Object.keys(p.plugin.settings?.schema.shape ?? {}));
  return [...Object.keys(environmentSchema.shape), ...pluginVariables];
}
