import { fileURLToPath } from 'node:url';

/**
 * The plugin's SQL, found next to the plugin compiled or not. Its own module: the CLI needs it to
 * migrate, and importing it from index.ts would load the whole serving side (pg-boss, routes,
 * metrics) into every command, `--help` included.
 */
export const MIGRATIONS_PATH = fileURLToPath(new URL('../../../migrations/backup', import.meta.url));
