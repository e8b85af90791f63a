import type { RouteRegistrar } from '../../../../../src/contract/services';
import { auditRejectedRequests } from '../audit-rejected-requests';
import { backupsRoute } from './backups-route';
import { checkRoute } from './check-route';
import type { ApiContext } from './context';
import { eventsRoute } from './events-route';
import { latestRoute } from './latest-route';
import { triggerRoute } from './trigger-route';

/** The admin API on Cotton's routes (COTTON.md §6); bearer auth is the registrar's. Call in start(). */
export function registerBackupRoutes(routes: RouteRegistrar, ctx: ApiContext): void {
  routes.admin(triggerRoute(ctx));
  routes.admin(latestRoute(ctx));
  routes.admin(backupsRoute(ctx));
  routes.admin(eventsRoute(ctx));
  routes.admin(checkRoute(ctx.checks));
  // A request turned away — bad tokens included — is audited (rate-limited) as RequestRejected;
  // a favicon's 404 or a scrape without the token is not (audit-rejected-requests.ts).
  routes.onRejected(auditRejectedRequests(ctx.audit, ctx.logger));
}
