import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RouteOptions } from 'fastify';
import type { RouteRegistrar } from '../../../../../src/contract/services';
import type { CopySettings } from '../../../settings/copies';
import type { BackupContext } from '../../../take-backup/run-backup';
import { statusRoute } from './status-route';
import { verifyRoute } from './verify-route';

/**
 * Nothing inline, nothing from elsewhere: the page's own script, style and API only. The token
 * travels in an Authorization header from script (never a URL; `form-action 'none'` stops even a
 * stray form submission from putting it in one).
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

// Beside this file in the sources; from dist/ (compiled build) the sources' copy, six levels up.
const ASSETS = [new URL('./assets/', import.meta.url), new URL('../../../../../../plugins/backup/edges/http/admin-page/assets/', import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((dir) => existsSync(`${dir}index.html`));

const ASSET_TYPES = {
  'index.html': 'text/html; charset=utf-8',
  'admin-page.js': 'text/javascript; charset=utf-8',
  'admin-page.css': 'text/css; charset=utf-8',
} as const;

function assetRoute(url: string, file: keyof typeof ASSET_TYPES): RouteOptions {
  if (!ASSETS) throw new Error('the admin page assets (plugins/backup/edges/http/admin-page/assets) are missing');
  const body = readFileSync(`${ASSETS}${file}`);
  return {
    method: 'GET',
    url,
    handler: async (_request, reply) => {
      await reply
        .type(ASSET_TYPES[file])
        .header('content-security-policy', PAGE_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-cache')
        .send(body);
    },
  };
}

/** The admin page at `/` (public: it holds no data; its API calls carry the token) and the routes it reads. */
export function registerAdminPage(routes: RouteRegistrar, backup: BackupContext, copies: CopySettings): void {
  routes.public(assetRoute('/', 'index.html'));
  routes.public(assetRoute('/assets/admin-page.js', 'admin-page.js'));
  routes.public(assetRoute('/assets/admin-page.css', 'admin-page.css'));
  routes.admin(statusRoute(backup, copies));
  routes.admin(verifyRoute(backup));
}
