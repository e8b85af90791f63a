import type { Pool } from 'pg';
import type { Clock } from '../../../src/contract/services';
import type { Journal } from '../projections/journal';
import { notifyAdmins, Priority } from '../notifications/notify-admins';
import { roundTripUtc, instantOf } from '../notifications/dotnet-time';
import type { CopySettings } from '../settings/copies';
import { TARGET_LAST_SUCCESS } from './sql';
import { copyStream } from './copy-stream';

export const COPY_OVERDUE_TITLE = 'Backup copy overdue';

/**
 * Tells the admins when a target has had no successful copy for longer than
 * COTTON_BACKUP_COPY_ALERT_AFTER: once per outage (the notice is keyed by the last success).
 * No i18n key: Cotton has no template for it, so title and content stand on their own.
 */
export async function notifyCopyOverdue(
  ctx: { pool: Pool; journal: Journal; clock: Clock; settings: CopySettings },
  target: string,
): Promise<boolean> {
  const { rows } = await ctx.pool.query<{ last_success_at: Date | null; first_seen_at: Date }>(TARGET_LAST_SUCCESS, [target]);
  const row = rows[0];
  if (!row) return false;
  const since = row.last_success_at ?? row.first_seen_at;
  const now = ctx.clock.now();
  if (now.getTime() - since.getTime() <= ctx.settings.alertAfterMs) return false;
  const hours = Math.round(ctx.settings.alertAfterMs / 3_600_000);
  const event = await notifyAdmins(ctx.pool, {
    kind: 'copy_overdue',
    dedupKey: `${target}|${since.toISOString()}`,
    title: COPY_OVERDUE_TITLE,
    content:
      `No backup reached the copy target ${target} ${row.last_success_at ? `since ${since.toISOString()}` : 'yet'} ` +
      `(more than ${hours} h). If this host is lost, the newest copy off the box is that old. ` +
      'See `cotton-backup copies` for the target\'s last error.',
    priority: Priority.High,
    metadata: { target, lastSuccessUtc: row.last_success_at ? roundTripUtc(instantOf(row.last_success_at)) : '', checkedAtUtc: roundTripUtc(instantOf(now)) },
  });
  if (event) await ctx.journal.append(copyStream(target), [event]);
  return event !== undefined;
}
