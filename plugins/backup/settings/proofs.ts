import { z } from 'zod';
import { cronProblem } from '../../../src/config/cron';

/**
 * COTTON_DRILL_SCHEDULE: off by default. A drill restores the whole database into a scratch
 * database on the same server, so it needs free disk about the size of the database and a
 * restore's worth of CPU and I/O beside Cotton's own load; an operator opts in knowing that
 * (README suggests weekly, `0 5 * * 0`). `off` or a cron expression.
 */
const drillSchedule = z.string().superRefine((value, ctx) => {
  if (value === 'off') return;
  const problem = cronProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `"off" or a cron expression such as "0 5 * * 0" (${problem})` });
});

/** The proof settings: row counts in the dump's snapshot, restore drills, the metrics endpoint. */
export const proofEnvironmentSchema = {
  COTTON_BACKUP_ROW_COUNTS: z.enum(['on', 'off']).default('on'),
  COTTON_DRILL_SCHEDULE: drillSchedule.default('off'),
  COTTON_METRICS_PUBLIC: z.enum(['true', 'false']).default('false'),
  COTTON_BUILD_COMMIT: z.string().regex(/^[0-9a-f]{7,40}$/, 'a git commit id (7 to 40 hex digits)').optional(),
};

export interface ProofSettings {
  /** Count every dumped table's rows in the dump's own snapshot (the bench turns it off to measure its cost). */
  rowCounts: boolean;
  /** Cron of the scheduled restore drill; undefined: no scheduled drills. */
  drillSchedule?: string;
  /** GET /metrics without the admin token. */
  metricsPublic: boolean;
  /** The commit this build was made from, for cotton_backup_build_info (set by the image build); undefined: unknown. */
  buildCommit?: string;
}

type ProofEnvironment = z.infer<z.ZodObject<typeof proofEnvironmentSchema>>;

export function proofSettingsFrom(e: ProofEnvironment): ProofSettings {
  return {
    rowCounts: e.COTTON_BACKUP_ROW_COUNTS === 'on',
    drillSchedule: e.COTTON_DRILL_SCHEDULE === 'off' ? undefined : e.COTTON_DRILL_SCHEDULE,
    metricsPublic: e.COTTON_METRICS_PUBLIC === 'true',
    buildCommit: e.COTTON_BUILD_COMMIT,
  };
}
