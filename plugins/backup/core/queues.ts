/**
 * The pg-boss queues of the plugin's schedules, in one place: the runtime creates and works them,
 * metrics read the backup schedule's next run from pg-boss by its name.
 */
export const SCHEDULE_QUEUE = 'cotton-backup-schedule';
export const RETENTION_QUEUE = 'cotton-backup-retention';
export const VERIFY_QUEUE = 'cotton-backup-verify';
export const DRILL_QUEUE = 'cotton-backup-drill';
