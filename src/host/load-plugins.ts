import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { COMPILED } from './paths';
import { isCottonPlugin, type CottonPlugin } from '../contract/plugin';

export interface LoadedPlugin {
  /** The plugin's folder name under the plugins directory. */
  folder: string;
  /** Absolute path of that folder. */
  directory: string;
  plugin: CottonPlugin;
}

/** A plugin folder that could not be loaded; the message names the folder. */
export class PluginLoadError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PluginLoadError';
  }
}

/** `.js` for a host compiled into dist/ (it loads compiled plugins), `.ts` when run from the sources. */
export const MODULE_EXTENSION = COMPILED ? '.js' : '.ts';

export const PLUGIN_ENTRY = `index${MODULE_EXTENSION}`;

/**
 * The plugin folders under `pluginsPath`, alphabetically: each subfolder holding an `index.ts`
 * (`index.js` in a compiled host; folders starting with `.` or `_` are skipped, and so are
 * folders without that entry).
 * The entry must default-export a CottonPlugin; anything else, an import failure or a duplicate
 * plugin name is a PluginLoadError naming the folder. A missing plugins folder is an error too:
 * a mistyped COTTON_PLUGINS_PATH must not start a host that silently does nothing.
 */
export async function loadPlugins(pluginsPath: string): Promise<LoadedPlugin[]> {
  const folders = await pluginFolders(pluginsPath);
  const loaded: LoadedPlugin[] = [];
  for (const folder of folders) {
    const directory = join(pluginsPath, folder);
    const entry = join(directory, PLUGIN_ENTRY);
    let module: { default?: unknown };
    try {
      module = (await import(pathToFileURL(entry).href)) as { default?: unknown };
    } catch (error) {
      throw new PluginLoadError(`plugin folder ${folder}: ${PLUGIN_ENTRY} failed to load: ${(error as Error).message}`, { cause: error });
    }
    const plugin = module.default;
    if (!isCottonPlugin(plugin)) {
      throw new PluginLoadError(
        `plugin folder ${folder}: ${PLUGIN_ENTRY} must default-export a CottonPlugin (name, version, register())`,
      );
    }
    const clash = loaded.find((p) => p.plugin.name === plugin.name);
    if (clash) throw new PluginLoadError(`plugin folder ${folder}: name "${plugin.name}" is already used by folder ${clash.folder}`);
    loaded.push({ folder, directory, plugin });
  }
  return loaded;
}

/** Subfolders of `pluginsPath` that contain `file`, alphabetically. */
export async function pluginFolders(pluginsPath: string, file = PLUGIN_ENTRY): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(pluginsPath, { withFileTypes: true });
  } catch (error) {
    throw new PluginLoadError(`plugins folder ${pluginsPath} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); check COTTON_PLUGINS_PATH`, {
      cause: error,
    });
  }
  const names = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !e.name.startsWith('_'))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const withFile: string[] = [];
  for (const name of names) {
    if (await exists(join(pluginsPath, name, file))) withFile.push(name);
  }
  return withFile;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
