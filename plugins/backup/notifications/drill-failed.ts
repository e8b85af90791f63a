import type { Pool } from 'pg';
import type { Clock } from '../../../src/contract/services';
import type { NewEvent } from '../events';
import type { EventData } from '../events/vocabulary';
import { instantOf, roundTripUtc } from './dotnet-time';
import { notifyAdmins, Priority } from './notify-admins';

export const DRILL_FAILED_TITLE = 'Database restore drill failed';

/**
 * A failed restore drill: every admin gets one High-priority row, once per drill. No i18n key:
 * Cotton has no template for it (COTTON.md §5), so title and content stand on their own.
 */
export async function notifyDrillFailed(pool: Pool, clock: Clock, failed: EventData<'DrillFailed'>): Promise<NewEvent | undefined> {
  const listed = failed.problems
    .slice(0, 5)
    .map((p) => `${p.subject}: ${p.problem.replace('_', ' ')}${p.expected !== null || p.actual !== null ? ` (expected ${p.expected ?? '-'}, restored ${p.actual ?? '-'})` : ''}`)
    .join('; ');
  return notifyAdmins(pool, {
    kind: 'drill_failed',
    dedupKey: failed.drillId,
    title: DRILL_FAILED_TITLE,
    content:
      `The restore drill of backup ${failed.backupId} did not give back the database as it was dumped: ` +
      `${failed.problems.length} difference(s): ${listed}. Take a new backup and run \`cotton-backup drill --backup ${failed.backupId}\` for the full per-table report.`,
    priority: Priority.High,
    metadata: { backupId: failed.backupId, drillId: failed.drillId, failedAtUtc: roundTripUtc(instantOf(clock.now())) },
  });
}
