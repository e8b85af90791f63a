import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (package) root: where package.json, plugins/ and migrations/ live. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where plugin folders are looked for unless COTTON_PLUGINS_PATH (or a Host option) says otherwise. */
export const DEFAULT_PLUGINS_PATH = resolve(REPO_ROOT, 'plugins');

/** The configured plugins folder (relative paths against the working directory), or the default. */
export function resolvePluginsPath(configured: string | undefined): string {
  if (configured === undefined || configured === '') return DEFAULT_PLUGINS_PATH;
  return isAbsolute(configured) ? configured : resolve(process.cwd(), configured);
}

/** package.json's version: what /health reports. */
export const HOST_VERSION: string = (JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
