import type { RouteRegistrar } from '../../../../../src/contract/services';
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
  // Every request the server turns away, on any route — bad tokens included — is audited
  // (rate-limited) as RequestRejected.
  routes.onRejected((r) => ctx.audit.reject('api', `${r.method} ${r.path}: ${r.status} ${r.reason}`, r.sample, r.sizeBytes));
}
