/**
 * The example Prometheus alerts (docs/prometheus-alerts.yml) evaluated here, on the values the
 * metrics expose, for the admin page: one rule per alert of that file, by the same name (a spec
 * holds the two lists equal). Prometheus waits `for:` with the condition held; here a condition
 * whose start is known from the record (a timestamp plus the threshold) is firing once `for` has
 * passed since then, and one whose start is not known is pending (it holds, it may not fire yet).
 */

const MINUTE = 60, HOUR = 3600, DAY = 86_400;

/** What the rules read, in Unix seconds like the metrics; null where a metric would be absent. */
export interface AlertInputs {
  now: number;
  scheduleInterval: number | null;
  lastBackupSuccess: number | null;
  backupsSucceeded: number;
  /** Kept backups whose manifest retention could not read (cotton_backup_unreadable_manifests). */
  unreadableManifests: number;
  backupsFailed: number;
  backupsFailedLastDay: number;
  pendingRequests: number;
  verificationLastSuccess: number | null;
  verificationLastOk: boolean | null;
  /** The latest backup's last verification: true, false, null never; undefined without a latest backup. */
  latestVerified: boolean | null | undefined;
  latestFinished: number | null;
  drillLastSuccess: number | null;
  drillLastOk: boolean | null;
  copies: { target: string; lastSuccess: number | null; behind: number; failedLastDay: number }[];
}

export interface FiringAlert {
  alert: string;
  severity: 'critical' | 'warning';
  state: 'firing' | 'pending';
  summary: string;
  /** The copy target the alert is about. */
  target?: string;
}

/** Holds: the condition is true; `since`, when known, is when it became true (Unix seconds). */
type Holds = false | { since?: number; summary?: string };

interface AlertRule {
  alert: string;
  severity: FiringAlert['severity'];
  forSeconds: number;
  summary: string;
  perTarget?: false;
  holds(i: AlertInputs): Holds;
}

interface TargetAlertRule extends Omit<AlertRule, 'perTarget' | 'holds'> {
  perTarget: true;
  holds(i: AlertInputs, copy: AlertInputs['copies'][number]): Holds;
}

const olderThan = (at: number | null, limit: number, now: number): Holds => (at !== null && now - at > limit ? { since: at + limit } : false);
const stale = (i: AlertInputs) => (i.scheduleInterval === null ? null : 2 * i.scheduleInterval);

export const ALERT_RULES: readonly (AlertRule | TargetAlertRule)[] = [
  { alert: 'CottonBackupStale', severity: 'critical', forSeconds: 15 * MINUTE, summary: 'No successful database backup for more than two schedule intervals',
    holds: (i) => (stale(i) === null ? false : olderThan(i.lastBackupSuccess, stale(i)!, i.now)) },
  { alert: 'CottonBackupNeverSucceeded', severity: 'critical', forSeconds: HOUR, summary: 'cotton-backup has never completed a backup',
    holds: (i) => i.backupsSucceeded === 0 && i.backupsFailed > 0 && {} },
  { alert: 'CottonBackupFailing', severity: 'warning', forSeconds: 0, summary: 'A database backup failed in the last day',
    holds: (i) => i.backupsFailedLastDay > 0 && {} },
  { alert: 'CottonBackupRequestsPiling', severity: 'warning', forSeconds: 30 * MINUTE, summary: 'More than 5 backup requests are waiting to be served',
    holds: (i) => i.pendingRequests > 5 && {} },
  { alert: 'CottonBackupManifestUnreadable', severity: 'critical', forSeconds: 0, summary: "Kept backups have a manifest retention cannot read: their chunks are not held off Cotton's GC",
    holds: (i) => i.unreadableManifests > 0 && {} },
  { alert: 'CottonBackupVerificationFailed', severity: 'critical', forSeconds: 0, summary: 'The latest verification failed: run `cotton-backup verify --json`, then take a new backup',
    holds: (i) => i.verificationLastOk === false && {} },
  { alert: 'CottonBackupVerificationStale', severity: 'warning', forSeconds: HOUR, summary: 'No backup verification has passed for two days',
    holds: (i) => olderThan(i.verificationLastSuccess, 2 * DAY, i.now) },
  { alert: 'CottonBackupLatestUnverified', severity: 'warning', forSeconds: DAY, summary: 'The latest backup has not passed verification',
    holds: (i) => i.latestVerified !== undefined && i.latestVerified !== true && (i.latestFinished === null ? {} : { since: i.latestFinished }) },
  { alert: 'CottonBackupVerificationNeverPassed', severity: 'warning', forSeconds: 2 * DAY, summary: 'No backup of this deployment has ever been verified end to end',
    holds: (i) => i.backupsSucceeded > 0 && i.verificationLastSuccess === null && {} },
  { alert: 'CottonBackupDrillFailed', severity: 'critical', forSeconds: 0, summary: 'The last restore drill did not give the database back whole',
    holds: (i) => i.drillLastOk === false && {} },
  { alert: 'CottonBackupDrillStale', severity: 'warning', forSeconds: HOUR, summary: 'No restore drill has passed for two weeks',
    holds: (i) => olderThan(i.drillLastSuccess, 14 * DAY, i.now) },
  { alert: 'CottonBackupCopyTargetFailing', severity: 'warning', forSeconds: 0, perTarget: true, summary: 'A copy to the target failed in the last day',
    holds: (_i, c) => c.failedLastDay > 0 && {} },
  { alert: 'CottonBackupCopyTargetStale', severity: 'warning', forSeconds: 30 * MINUTE, perTarget: true, summary: 'The target has no copy of a recent backup',
    holds: (i, c) => (stale(i) === null ? false : olderThan(c.lastSuccess, stale(i)!, i.now)) },
  { alert: 'CottonBackupCopyTargetBehind', severity: 'warning', forSeconds: DAY, perTarget: true, summary: 'The target lacks backups retention keeps',
    holds: (_i, c) => c.behind > 0 && { summary: `The target lacks ${c.behind} of the backups retention keeps` } },
];

/** The alerts whose condition holds, firing first, then by severity. */
export function evaluateAlerts(inputs: AlertInputs, rules = ALERT_RULES): FiringAlert[] {
  const out: FiringAlert[] = [];
  const add = (rule: AlertRule | TargetAlertRule, held: Holds, target?: string) => {
    if (!held) return;
    const firing = rule.forSeconds === 0 || (held.since !== undefined && inputs.now - held.since >= rule.forSeconds);
    out.push({ alert: rule.alert, severity: rule.severity, state: firing ? 'firing' : 'pending', summary: held.summary ?? rule.summary, ...(target ? { target } : {}) });
  };
  for (const rule of rules) {
    if (rule.perTarget) for (const copy of inputs.copies) add(rule, rule.holds(inputs, copy), copy.target);
    else add(rule, rule.holds(inputs));
  }
  const rank = (a: FiringAlert) => (a.state === 'firing' ? 0 : 2) + (a.severity === 'critical' ? 0 : 1);
  return out.sort((a, b) => rank(a) - rank(b));
}
