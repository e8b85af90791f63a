import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** True when this code runs from dist/ (compiled by bin/build.js), false when from the TypeScript sources. */
export const COMPILED = import.meta.url.endsWith('.js');

/** The repository (package) root: where package.json, plugins/ and migrations/ live. */
export const REPO_ROOT = fileURLToPath(new URL(COMPILED ? '../../../' : '../../', import.meta.url));

/** The repository's own plugins, as sources; a compiled host loads their compiled twins in dist/plugins. */
export const SOURCE_PLUGINS_PATH = resolve(REPO_ROOT, 'plugins');

/** Where plugin folders are looked for unless COTTON_PLUGINS_PATH (or a Host option) says otherwise. */
export const DEFAULT_PLUGINS_PATH = COMPILED ? resolve(REPO_ROOT, 'dist/plugins') : SOURCE_PLUGINS_PATH;

/**
 * The configured plugins folder (relative paths against the working directory), or the default.
 * A compiled host given the repository's plugins folder loads the compiled plugins: a plugin must
 * share the host's modules (its DI tokens are symbols), not import a second copy from the sources.
 */
export function resolvePluginsPath(configured: string | undefined): string {
  if (configured === undefined || configured === '') return DEFAULT_PLUGINS_PATH;
  const path = isAbsolute(configured) ? configured : resolve(process.cwd(), configured);
  return resolve(path) === SOURCE_PLUGINS_PATH ? DEFAULT_PLUGINS_PATH : path;
}

/** package.json's version: what /health reports. */
export const HOST_VERSION: string = (JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
