import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALERT_RULES, evaluateAlerts, type AlertInputs } from './alert-rules';

const NOW = 1_800_000_000;
const DAY = 86_400;
const healthy: AlertInputs = {
  now: NOW, scheduleInterval: DAY, lastBackupSuccess: NOW - 3600, backupsSucceeded: 3, unreadableManifests: 0, backupsFailed: 0, backupsFailedLastDay: 0, pendingRequests: 0,
  verificationLastSuccess: NOW - 1800, verificationLastOk: true, latestVerified: true, latestFinished: NOW - 3600,
  drillLastSuccess: null, drillLastOk: null, copies: [{ target: 'offsite', lastSuccess: NOW - 3500, behind: 0, failedLastDay: 0 }],
};
const names = (i: Partial<AlertInputs>) => evaluateAlerts({ ...healthy, ...i }).map((a) => `${a.alert}${a.target ? `/${a.target}` : ''}:${a.state}`);

describe('the alert rules the admin page evaluates', () => {
  it('are the example Prometheus alerts, one for one, with their severities', () => {
    const yaml = readFileSync(new URL('../../../docs/prometheus-alerts.yml', import.meta.url), 'utf8');
    const documented = [...yaml.matchAll(/- alert: (\w+)[\s\S]*?severity: (\w+)/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(ALERT_RULES.map((r) => `${r.alert} ${r.severity}`).sort()).toEqual(documented.sort());
  });

  it('list nothing for a healthy deployment', () => {
    expect(names({})).toEqual([]);
  });

  it('fire at once for a failed backup or copy, pending where the condition’s start is unknown', () => {
    expect(names({ backupsSucceeded: 0, backupsFailed: 1, backupsFailedLastDay: 1, lastBackupSuccess: null, latestVerified: undefined }))
      .toEqual(['CottonBackupFailing:firing', 'CottonBackupNeverSucceeded:pending']);
    expect(names({ copies: [{ target: 'offsite', lastSuccess: null, behind: 2, failedLastDay: 3 }] }))
      .toEqual(['CottonBackupCopyTargetFailing/offsite:firing', 'CottonBackupCopyTargetBehind/offsite:pending']);
  });

  it('wait their `for` from a known start: an unverified latest backup fires after a day', () => {
    expect(names({ latestVerified: null, latestFinished: NOW - 3600 })).toEqual(['CottonBackupLatestUnverified:pending']);
    expect(names({ latestVerified: null, latestFinished: NOW - DAY - 1 })).toEqual(['CottonBackupLatestUnverified:firing']);
    expect(names({ lastBackupSuccess: NOW - 2 * DAY - 600 })).toEqual(['CottonBackupStale:pending']);
    expect(names({ lastBackupSuccess: NOW - 2 * DAY - 901, latestFinished: NOW - 2 * DAY - 901 })).toContain('CottonBackupStale:firing');
  });

  it('a failed verification or drill is critical and listed first', () => {
    const alerts = evaluateAlerts({ ...healthy, pendingRequests: 9, drillLastOk: false, verificationLastOk: false, latestVerified: false });
    expect(alerts.slice(0, 2).map((a) => [a.alert, a.severity, a.state])).toEqual([
      ['CottonBackupVerificationFailed', 'critical', 'firing'],
      ['CottonBackupDrillFailed', 'critical', 'firing'],
    ]);
  });

  it('an unreadable kept manifest fires at once, as critical', () => {
    expect(names({ unreadableManifests: 1 })).toEqual(['CottonBackupManifestUnreadable:firing']);
  });
});
