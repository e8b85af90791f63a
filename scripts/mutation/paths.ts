import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** Stryker's configs, incremental files and JSON reports, one set per module (git-ignored). */
export const REPORTS = fileURLToPath(new URL('../../reports/mutation/', import.meta.url));

export function moduleSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
