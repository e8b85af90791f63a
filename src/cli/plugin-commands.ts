import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { MODULE_EXTENSION, pluginFolders } from '../host/load-plugins';
import type { SettingsOwner } from '../config/config';
import type { CliRuntime } from './runtime';

/** The file a plugin folder may add to contribute CLI commands. */
export const PLUGIN_CLI_ENTRY = `cli${MODULE_EXTENSION}`;

/**
 * What `plugins/<name>/cli.ts` exports. registerCommands adds commander commands to the program
 * (e.g. `program.command('backup')...`); actions take what they need from the runtime lazily,
 * so registering costs nothing and `--help` works without a database.
 */
export interface PluginCliModule {
  registerCommands(program: Command, runtime: CliRuntime): void | Promise<void>;
  /** The plugin's name and settings schema: the CLI validates them with the host's, as the host does. */
  settings?: SettingsOwner;
}

/**
 * Imports `cli.ts` from every plugin folder that has one, alphabetically, and lets it register its
 * commands. A missing plugins folder adds nothing (the host reports it when serving); a cli.ts
 * that fails to load or exports no registerCommands is an error naming the folder.
 */
export async function registerPluginCommands(program: Command, runtime: CliRuntime, pluginsPath = runtime.pluginsPath()): Promise<string[]> {
  let folders: string[];
  try {
    folders = await pluginFolders(pluginsPath, PLUGIN_CLI_ENTRY);
  } catch {
    return [];
  }
  for (const folder of folders) {
    const entry = join(pluginsPath, folder, PLUGIN_CLI_ENTRY);
    let module: Partial<PluginCliModule>;
    try {
      module = (await import(pathToFileURL(entry).href)) as Partial<PluginCliModule>;
    } catch (error) {
      throw new Error(`plugin folder ${folder}: ${PLUGIN_CLI_ENTRY} failed to load: ${(error as Error).message}`, { cause: error });
    }
    if (typeof module.registerCommands !== 'function') {
      throw new Error(`plugin folder ${folder}: ${PLUGIN_CLI_ENTRY} must export registerCommands(program, runtime)`);
    }
    if (module.settings) runtime.addPluginSettings(module.settings);
    await module.registerCommands(program, runtime);
  }
  return folders;
}
